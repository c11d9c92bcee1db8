import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api, type Page } from '../api.ts';
import { ErrorBox, Loading, Severity, Status, Time, useAction, useAsync } from '../components/ui.tsx';
import { useLive } from '../live.ts';
import { SavedViews } from '../components/SavedViews.tsx';
import { Link, navigate, setSearch, useLocation } from '../router.tsx';
import { useSession } from '../session.tsx';
import { CASE_SEVERITIES, label, type CaseItem, type Person } from './case/case-types.ts';
import { PriorityScore } from './case/PriorityScore.tsx';
import { SlaBadge } from './case/SlaBadge.tsx';

const FILTERS = ['status', 'severity', 'assignee', 'tag', 'q', 'sort'] as const;
type Filters = Record<(typeof FILTERS)[number], string>;

function readFilters(search: URLSearchParams): Filters {
  const filters = {} as Filters;
  for (const key of FILTERS) filters[key] = search.get(key) ?? '';
  return filters;
}

/** The URL keeps what differs from the defaults (open cases, newest first). */
function apiQuery(f: Filters, cursor: string | null) {
  return {
    status: f.status === 'all' ? undefined : f.status || 'open',
    severity: f.severity,
    assignee: f.assignee,
    tag: f.tag,
    q: f.q,
    sort: f.sort || 'newest',
    cursor,
    limit: 50,
  };
}

export function CasesPage() {
  const { search } = useLocation();
  const session = useSession();
  const filters = readFilters(search);
  const key = FILTERS.map((k) => filters[k]).join('\u0000');
  // The cursors of the pages up to this one (for "Previous page"), reset when the filters change.
  const [paging, setPaging] = useState<{ key: string; cursors: (string | null)[] }>({ key, cursors: [null] });
  const cursors = paging.key === key ? paging.cursors : [null];
  const cursor = cursors.at(-1) ?? null;
  const setCursors = (next: (string | null)[]) => setPaging({ key, cursors: next });
  const list = useAsync(
    () => api.get<Page<CaseItem>>('/api/v1/cases', apiQuery(filters, cursor)),
    [key, cursor],
  );
  const people = useAsync(() => api.get<{ items: Person[] }>('/api/v1/people'), []);
  const action = useAction();

  // A burst of changes (a storm of alerts) reloads once.
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => clearTimeout(pending.current ?? undefined), []);
  useLive(['case.changed', 'alert.created'], () => {
    if (pending.current) return;
    pending.current = setTimeout(() => {
      pending.current = null;
      list.reload();
    }, 400);
  });

  const update = (changes: Partial<Filters>) => setSearch({ ...filters, ...changes });
  const me = session.principal.kind === 'user' ? session.principal.name : null;
  const canTriage = session.can('triage');
  const assignToMe = (c: CaseItem) =>
    action.run(async () => {
      await api.patch(`/api/v1/cases/${encodeURIComponent(c.id)}`, { assignee: me });
      list.reload();
    });

  return (
    <div>
      <h1>Cases</h1>
      <FilterBar filters={filters} people={people.data?.items ?? []} onChange={update} />
      <SavedViews
        page="cases"
        query={search.toString()}
        onApply={(q) => navigate(q ? `/cases?${q}` : '/cases')}
      />
      <ErrorBox error={list.error ?? action.error} />
      {list.loading && !list.data ? <Loading what="cases" /> : null}
      {list.data && (
        <section className="panel case-queue" aria-label="Case queue" aria-busy={list.loading}>
          <table>
            <caption className="sr-only">
              {filters.status === 'closed' ? 'Closed' : filters.status === 'all' ? 'All' : 'Open'} cases,{' '}
              {filters.sort === 'priority'
                ? 'highest priority first'
                : filters.sort === 'oldest'
                  ? 'oldest first'
                  : 'newest first'}
            </caption>
            <thead>
              <tr>
                <th scope="col">Severity</th>
                <th scope="col">Priority</th>
                <th scope="col">Title</th>
                <th scope="col">Assignee</th>
                <th scope="col">SLA</th>
                <th scope="col">Age</th>
                <th scope="col">Alerts</th>
                <th scope="col">Tags</th>
                {canTriage && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {list.data.items.length === 0 && (
                <tr>
                  <td colSpan={canTriage ? 9 : 8} className="muted">
                    No cases match these filters.
                  </td>
                </tr>
              )}
              {list.data.items.map((c) => (
                <tr key={c.id}>
                  <td>
                    <Severity value={c.severity} />
                  </td>
                  <td>
                    <PriorityScore priority={c.priority} factors={c.priorityFactors} />
                  </td>
                  <td>
                    <Link to={`/cases/${encodeURIComponent(c.id)}`}>{c.title}</Link>
                    {c.status === 'closed' && (
                      <>
                        {' '}
                        <Status value="closed" />{' '}
                        <span className="muted small">{c.resolution ? label(c.resolution) : ''}</span>
                      </>
                    )}
                  </td>
                  <td>{c.assignee ?? <span className="muted">unassigned</span>}</td>
                  <td>
                    <SlaBadge sla={c.sla} detail={false} />
                  </td>
                  <td>
                    <Time value={c.createdAt} />
                  </td>
                  <td>{c.alertCount}</td>
                  <td>
                    {c.tags.map((t) => (
                      <span key={t} className="badge tag">
                        {t}
                      </span>
                    ))}
                  </td>
                  {canTriage && (
                    <td>
                      {me && c.status === 'open' && c.assignee !== me && (
                        <button
                          type="button"
                          disabled={action.busy}
                          aria-label={`Assign "${c.title}" to me`}
                          onClick={() => void assignToMe(c)}
                        >
                          Assign to me
                        </button>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
          <nav className="row" aria-label="Pages">
            <button
              type="button"
              disabled={cursors.length <= 1}
              onClick={() => setCursors(cursors.slice(0, -1))}
            >
              Previous page
            </button>
            <button
              type="button"
              disabled={!list.data.nextCursor}
              onClick={() => {
                const next = list.data?.nextCursor;
                if (next) setCursors([...cursors, next]);
              }}
            >
              Next page
            </button>
            <span className="muted small">Page {cursors.length}</span>
          </nav>
        </section>
      )}
    </div>
  );
}

function FilterBar({
  filters,
  people,
  onChange,
}: {
  filters: Filters;
  people: Person[];
  onChange: (changes: Partial<Filters>) => void;
}) {
  const [text, setText] = useState({ q: filters.q, tag: filters.tag });
  useEffect(() => setText({ q: filters.q, tag: filters.tag }), [filters.q, filters.tag]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onChange(text);
  };
  return (
    <form className="panel row filters" aria-label="Case filters" onSubmit={submit}>
      <label>
        Status
        <select value={filters.status} onChange={(e) => onChange({ status: e.target.value })}>
          <option value="">Open</option>
          <option value="closed">Closed</option>
          <option value="all">All</option>
        </select>
      </label>
      <label>
        Severity
        <select value={filters.severity} onChange={(e) => onChange({ severity: e.target.value })}>
          <option value="">Any</option>
          {CASE_SEVERITIES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      <label>
        Assignee
        <select value={filters.assignee} onChange={(e) => onChange({ assignee: e.target.value })}>
          <option value="">Anyone</option>
          <option value="me">Me</option>
          <option value="unassigned">Unassigned</option>
          {people.map((p) => (
            <option key={p.username} value={p.username}>
              {p.username}
            </option>
          ))}
        </select>
      </label>
      <label>
        Tag
        <input value={text.tag} onChange={(e) => setText({ ...text, tag: e.target.value })} size={12} />
      </label>
      <label>
        Search
        <input
          type="search"
          value={text.q}
          onChange={(e) => setText({ ...text, q: e.target.value })}
          placeholder="title, observable, tag…"
        />
      </label>
      <button type="submit">Apply</button>
      <label>
        Sort by
        <select value={filters.sort} onChange={(e) => onChange({ sort: e.target.value })}>
          <option value="">Newest</option>
          <option value="oldest">Oldest (age)</option>
          <option value="priority">Priority</option>
        </select>
      </label>
    </form>
  );
}
