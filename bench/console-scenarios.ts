import { encodeCursor } from '../src/store/cursor.ts';
import type { Probes } from './console-seed.ts';

/** One request the console makes for a list: which list, what filter, and the query string. */
export interface Scenario {
  list: string;
  name: string;
  path: string;
  /** The route's declared URL when it has path parameters (`/api/v1/cases/:id/timeline`). */
  route?: string;
  query: Record<string, string>;
  /** Also measure a page far down: `chain` follows nextCursor; `middle` starts halfway down the table. */
  deep?: 'chain' | 'middle';
}

/** A scenario the API cannot serve yet (a filter it does not declare). */
export interface Skipped {
  list: string;
  name: string;
  skipped: string;
}

/** The query parameters each list route declares, by path. */
export type DeclaredParams = ReadonlyMap<string, ReadonlySet<string>>;

/**
 * The lists the console shows and the filters an analyst uses on them, each with a frequent and a rare
 * value where it matters (a rare value is where a missing index shows: the table is walked to fill the
 * page). A filter is only measured when its route declares the parameter; otherwise it is listed as
 * skipped, so an undeclared parameter can never be silently ignored and flatter the figure.
 */
export function consoleScenarios(p: Probes, declared: DeclaredParams): (Scenario | Skipped)[] {
  const day = (daysAgo: number) => new Date(p.end - daysAgo * 86_400_000).toISOString();
  const out: (Scenario | Skipped)[] = [];
  const add = (
    list: string,
    name: string,
    path: string,
    query: Record<string, string | [alternatives: string[], value: string]>,
    deep?: Scenario['deep'],
    route?: string,
  ) => {
    const declaredAt = route ?? path;
    if (!declared.has(declaredAt)) {
      out.push({ list, name, skipped: `no route GET ${declaredAt}` });
      return;
    }
    const have = declared.get(declaredAt)!;
    const resolved: Record<string, string> = {};
    for (const [key, value] of Object.entries(query)) {
      const [names, v] = Array.isArray(value) ? value : [[key], value];
      const name_ = names.find((n) => have.has(n));
      if (name_ === undefined) {
        out.push({ list, name, skipped: `GET ${path} declares no ${names.join(' / ')} parameter` });
        return;
      }
      resolved[name_] = v;
    }
    out.push({ list, name, path, query: resolved, ...(deep ? { deep } : {}), ...(route ? { route } : {}) });
  };

  const alerts = '/api/v1/alerts';
  add('alerts', 'all', alerts, {}, 'chain');
  add('alerts', 'all, from the middle of the table', alerts, { cursor: encodeCursor(p.middle.alert) });
  add('alerts', 'severity high', alerts, { severity: 'high' }, 'chain');
  add('alerts', 'severity critical', alerts, { severity: 'critical' }, 'chain');
  add('alerts', 'status new', alerts, { status: 'new' }, 'chain');
  add('alerts', 'source (busiest)', alerts, { source: p.source.common }, 'chain');
  add('alerts', 'source (rarest)', alerts, { source: p.source.rare }, 'chain');
  add('alerts', 'rule (most frequent)', alerts, { rule: [['ruleId', 'rule'], p.rule.common] }, 'chain');
  add('alerts', 'rule (long tail)', alerts, { rule: [['ruleId', 'rule'], p.rule.rare] });
  add('alerts', 'last 24 hours', alerts, { since: [['since', 'from'], day(1)] }, 'chain');
  add('alerts', 'one day, 30 days ago', alerts, {
    since: [['since', 'from'], day(31)],
    until: [['until', 'to'], day(30)],
  });
  add('alerts', 'of the biggest case', alerts, { caseId: p.biggestCase }, 'chain');
  add('alerts', 'text search, a common word', alerts, { q: [['q', 'search'], p.word.common] }, 'chain');
  add('alerts', 'text search, a host name', alerts, { q: [['q', 'search'], p.word.rare] });

  const cases = '/api/v1/cases';
  add('cases', 'all', cases, {}, 'chain');
  add('cases', 'all, from the middle of the table', cases, { cursor: encodeCursor(p.middle.case) });
  add('cases', 'open', cases, { status: 'open' }, 'chain');
  add('cases', 'closed', cases, { status: 'closed' }, 'chain');
  add('cases', 'open, severity critical', cases, { status: 'open', severity: 'critical' }, 'chain');
  add('cases', 'severity critical', cases, { severity: 'critical' }, 'chain');
  add('cases', 'severity unknown (none)', cases, { severity: 'unknown' });
  add('cases', 'assignee (busiest)', cases, { assignee: p.assignee.common }, 'chain');
  add('cases', 'assignee (least busy), open', cases, { assignee: p.assignee.rare, status: 'open' });
  add('cases', 'unassigned, open', cases, { assignee: 'unassigned', status: 'open' }, 'chain');
  add('cases', 'tag (frequent)', cases, { tag: p.tag.common }, 'chain');
  add('cases', 'tag (rare)', cases, { tag: p.tag.rare });
  add('cases', 'text search, a common word', cases, { q: p.word.common }, 'chain');
  add('cases', 'text search, a host name', cases, { q: p.word.rare });
  add('cases', 'text search, a word of every case', cases, { q: p.word.everywhere }, 'chain');
  add('cases', 'open, by priority', cases, { status: 'open', sort: 'priority' }, 'chain');
  add('cases', 'all, by priority', cases, { sort: 'priority' }, 'chain');
  const caseView = `/api/v1/cases/${p.biggestCase}`;
  add('case view', 'the biggest case', caseView, {}, undefined, '/api/v1/cases/:id');
  add('case view', 'its timeline', `${caseView}/timeline`, {}, 'chain', '/api/v1/cases/:id/timeline');
  add('case view', 'its related cases', `${caseView}/related`, {}, undefined, '/api/v1/cases/:id/related');
  add(
    'case view',
    'related cases of one from the middle of the table',
    `/api/v1/cases/${p.middle.case}/related`,
    {},
    undefined,
    '/api/v1/cases/:id/related',
  );

  const runs = '/api/v1/runs';
  add('runs', 'all', runs, {}, 'chain');
  add('runs', 'all, from the middle of the table', runs, { cursor: encodeCursor(p.middle.run) });
  add('runs', 'failure inbox', runs, { inbox: 'true' }, 'chain');
  add('runs', 'status waiting', runs, { status: 'waiting' });
  add('runs', 'playbook (most used)', runs, { playbookId: p.playbook.common }, 'chain');
  add('runs', 'playbook (least used)', runs, { playbookId: p.playbook.rare }, 'chain');

  add('tasks', 'open tasks', '/api/v1/tasks', {});
  add('tasks', 'open approvals', '/api/v1/approvals', {});
  add('tasks', 'completed approvals', '/api/v1/approvals', { status: 'completed' }, 'chain');

  const audit = '/api/v1/audit';
  add('audit', 'all, newest first', audit, { order: 'desc' }, 'chain');
  add('audit', 'all, oldest first', audit, {}, 'chain');
  add('audit', 'actor (an analyst), newest first', audit, { order: 'desc', actor: p.actor.common }, 'chain');
  add('audit', 'actor (rare), newest first', audit, { order: 'desc', actor: p.actor.rare });
  add('audit', 'action, newest first', audit, { order: 'desc', action: 'case.update' }, 'chain');
  add('audit', 'action prefix (task.*), newest first', audit, { order: 'desc', action: 'task.*' }, 'chain');
  add('audit', 'actor type (rare: cli), newest first', audit, { order: 'desc', actorType: 'cli' });
  add('audit', 'target (a case), newest first', audit, {
    order: 'desc',
    targetType: 'case',
    targetId: p.middle.case,
  });
  add('audit', 'target id alone, newest first', audit, { order: 'desc', targetId: p.middle.case });
  add('audit', 'last 24 hours, newest first', audit, { order: 'desc', since: day(1) }, 'chain');
  add('audit', 'one day, 30 days ago', audit, { order: 'desc', since: day(31), until: day(30) }, 'chain');

  // A playbook's metrics read the stored states of up to 2,000 of its runs.
  const metrics = (id: string) => `/api/v1/playbooks/${id}/metrics`;
  add(
    'playbook metrics',
    'most used playbook, 7 days',
    metrics(p.playbook.common),
    {},
    undefined,
    '/api/v1/playbooks/:id/metrics',
  );
  add(
    'playbook metrics',
    'most used playbook, 90 days',
    metrics(p.playbook.common),
    { window: '90d' },
    undefined,
    '/api/v1/playbooks/:id/metrics',
  );
  add(
    'playbook metrics',
    'least used playbook, 90 days',
    metrics(p.playbook.rare),
    { window: '90d' },
    undefined,
    '/api/v1/playbooks/:id/metrics',
  );
  add('playbook metrics', 'every playbook, 90 days', '/api/v1/playbook-metrics', { window: '90d' });

  // Not a list, but the page the console opens on: aggregates over the window.
  add('dashboard', 'default window (7 days)', '/api/v1/dashboard', {});
  add('dashboard', '30 days', '/api/v1/dashboard', { window: '30d' });
  return out;
}
