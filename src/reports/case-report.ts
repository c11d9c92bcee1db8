import type { AuditRecord } from '../audit/audit-log.ts';
import { describeAuditRow } from '../core/audit-words.ts';
import type { CaseComment, CaseObservable } from '../core/case.ts';
import type { AttachmentInfo } from '../cases/case-attachments.ts';
import type { CaseDetail } from '../cases/case-service.ts';
import type { ObservableEnrichment } from '../connections/enrichment-store.ts';
import type { LedgerEntry } from '../response/response-store.ts';
import type { RunSummary } from '../runs/run-record.ts';

/**
 * An incident report of one case: what it was, what was seen, what was done and by whom, how it ended.
 * Gathered from the same reads the API makes (bounded: a noisy case's report names how much it left
 * out), rendered as Markdown or as a self-contained HTML page (no script, no request of its own), which
 * Chromium prints to PDF (pdf-render.ts). Every value from outside — alert titles, observables,
 * comments — is escaped for the format it goes into.
 */
export interface CaseReportData {
  kase: CaseDetail;
  observables: CaseObservable[];
  /** How many the case holds (observables may be fewer: the first REPORT_LIMITS.observables). */
  observableCount: number;
  enrichment: ObservableEnrichment[];
  comments: CaseComment[];
  runs: RunSummary[];
  actions: LedgerEntry[];
  /** Newest first, without their bytes. */
  attachments: AttachmentInfo[];
  /** Oldest first. */
  timeline: AuditRecord[];
  /** Whether the timeline stopped at REPORT_LIMITS.timeline rows. */
  timelineCut: boolean;
  generatedAt: string;
  generatedBy: string;
}

export const REPORT_LIMITS = { observables: 1000, comments: 500, runs: 200, timeline: 1000 } as const;

export const REPORT_FORMATS = ['markdown', 'html', 'pdf'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** The reads a report is gathered from (the services, or fakes in a test). */
export interface ReportReads {
  detail(id: string): Promise<CaseDetail>;
  observables(
    id: string,
    cursor: string | undefined,
  ): Promise<{ items: CaseObservable[]; nextCursor: string | null }>;
  enrichment(observables: readonly CaseObservable[]): Promise<ObservableEnrichment[]>;
  comments(
    id: string,
    cursor: string | undefined,
  ): Promise<{ items: CaseComment[]; nextCursor: string | null }>;
  runs(id: string, limit: number): Promise<RunSummary[]>;
  actions(id: string): Promise<LedgerEntry[]>;
  /** Newest first, a page at a time. */
  timeline(
    id: string,
    cursor: string | undefined,
  ): Promise<{ items: AuditRecord[]; nextCursor: string | null }>;
  attachments(id: string): Promise<AttachmentInfo[]>;
}

async function pages<T>(
  read: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: string | null }>,
  limit: number,
): Promise<{ items: T[]; cut: boolean }> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await read(cursor);
    items.push(...page.items);
    if (items.length >= limit)
      return { items: items.slice(0, limit), cut: items.length > limit || page.nextCursor !== null };
    if (page.nextCursor === null) return { items, cut: false };
    cursor = page.nextCursor;
  }
}

export async function gatherReport(
  reads: ReportReads,
  id: string,
  generatedBy: string,
  generatedAt: string,
): Promise<CaseReportData> {
  const kase = await reads.detail(id);
  const [observables, comments, runs, actions, timeline, attachments] = await Promise.all([
    pages((cursor) => reads.observables(id, cursor), REPORT_LIMITS.observables),
    pages((cursor) => reads.comments(id, cursor), REPORT_LIMITS.comments),
    reads.runs(id, REPORT_LIMITS.runs),
    reads.actions(id),
    pages((cursor) => reads.timeline(id, cursor), REPORT_LIMITS.timeline),
    reads.attachments(id),
  ]);
  return {
    kase,
    observables: observables.items,
    observableCount: kase.observableCount,
    enrichment: await reads.enrichment(observables.items),
    // Comments come newest first: a report reads oldest first.
    comments: [...comments.items].reverse(),
    // Runs and timeline come newest first too.
    runs: [...runs].reverse(),
    actions,
    timeline: [...timeline.items].reverse(),
    attachments,
    timelineCut: timeline.cut,
    generatedAt,
    generatedBy,
  };
}

function label(value: string | null): string {
  return value === null ? '—' : value.replace(/_/g, ' ');
}

/** The report's content as sections of facts and tables, before it is written in a format. */
interface Table {
  head: string[];
  rows: string[][];
  note?: string;
}

interface Section {
  title: string;
  facts?: [string, string][];
  text?: string[];
  table?: Table;
  empty?: string;
}

function sections(r: CaseReportData): Section[] {
  const k = r.kase;
  const verdicts = new Map(r.enrichment.map((e) => [`${e.type}\u0001${e.value}`, e]));
  const out: Section[] = [
    {
      title: 'Summary',
      facts: [
        ['Case', k.id],
        ['Status', `${k.status}${k.resolution ? ` (${label(k.resolution)})` : ''}`],
        ['Severity', k.severity],
        [
          'Priority',
          `${k.priority} — ${k.priorityFactors.map((f) => `${f.factor} ${f.points >= 0 ? '+' : ''}${f.points}`).join(', ') || 'no factors'}`,
        ],
        ['Assignee', k.assignee ?? 'unassigned'],
        ['Tags', k.tags.join(', ') || 'none'],
        ['Opened', k.createdAt],
        ['Acknowledged', k.acknowledgedAt ?? '—'],
        ['Contained', k.containedAt ?? '—'],
        ['Closed', k.closedAt ?? '—'],
        ['Alerts', String(k.alertCount)],
        ...(k.sla
          ? ([
              [
                'SLA',
                `${k.sla.state} (acknowledge ${k.sla.acknowledge.state}, resolve ${k.sla.resolve.state})`,
              ],
            ] as [string, string][])
          : []),
        ...(k.mergedInto ? ([['Merged into', k.mergedInto]] as [string, string][]) : []),
        ...(k.mergedCases.length > 0
          ? ([['Merged from', k.mergedCases.map((m) => m.id).join(', ')]] as [string, string][])
          : []),
      ],
      text: [k.description ?? '', k.resolutionNote ? `Resolution note: ${k.resolutionNote}` : ''].filter(
        (t) => t !== '',
      ),
    },
    {
      title: 'Alerts',
      table: {
        head: ['Seen', 'Severity', 'Title', 'Source', 'Rule', 'Count'],
        rows: k.alerts.map((a) => [
          a.eventTime,
          a.severity,
          a.title,
          a.source,
          a.rule?.name ?? a.rule?.id ?? '—',
          String(a.count),
        ]),
        ...(k.alertCount > k.alerts.length
          ? { note: `The newest ${k.alerts.length} of ${k.alertCount} alerts.` }
          : {}),
      },
      empty: 'No alerts.',
    },
    {
      title: 'Observables',
      table: {
        head: ['Type', 'Value', 'Role', 'Verdict', 'First seen', 'Last seen'],
        rows: r.observables.map((o) => {
          const e = verdicts.get(`${o.type}\u0001${o.value}`);
          return [
            o.type,
            o.value,
            o.role ?? '—',
            e
              ? `${e.verdict}${e.score === null ? '' : ` (${e.score})`} — ${e.sources.map((s) => s.provider).join(', ')}`
              : '—',
            o.firstSeen,
            o.lastSeen,
          ];
        }),
        ...(r.observableCount > r.observables.length
          ? {
              note: `The first ${r.observables.length} of ${r.observableCount} observables, by type and value.`,
            }
          : {}),
      },
      empty: 'No observables.',
    },
    {
      title: 'Response actions',
      table: {
        head: ['Applied', 'Action', 'Target', 'Status', 'Expires', 'Undone'],
        rows: r.actions.map((a) => [
          a.appliedAt,
          a.action,
          a.target ? `${a.target.type} ${a.target.value}` : '—',
          a.status.replace(/_/g, ' ') + (a.undoError ? `: ${a.undoError}` : ''),
          a.expiresAt ?? '—',
          a.undoneAt ? `${a.undoneAt}${a.undoneBy ? ` by ${a.undoneBy}` : ''}` : '—',
        ]),
      },
      empty: 'No response action was taken.',
    },
    {
      title: 'Playbook runs',
      table: {
        head: ['Started', 'Playbook', 'Status', 'Finished', 'Started by'],
        rows: r.runs.map((run) => [
          run.startedAt,
          `${run.playbookId} v${run.playbookVersion}${run.dryRun ? ' (dry run)' : ''}`,
          run.status + (run.error ? `: ${run.error.message}` : ''),
          run.finishedAt ?? '—',
          run.startedBy,
        ]),
      },
      empty: 'No playbook ran on this case.',
    },
    {
      title: 'Attachments',
      table: {
        head: ['Uploaded', 'By', 'Name', 'Size', 'SHA-256'],
        rows: r.attachments.map((a) => [a.uploadedAt, a.uploadedBy, a.name, `${a.size} bytes`, a.sha256]),
      },
      empty: 'No attachments.',
    },
    {
      title: 'Comments',
      table: {
        head: ['Written', 'Author', 'Comment'],
        rows: r.comments.map((c) => [c.createdAt, c.author, c.body]),
      },
      empty: 'No comments.',
    },
    {
      title: 'Timeline',
      table: {
        head: ['When', 'Who', 'What'],
        rows: r.timeline.map((t) => [t.at, t.actor, describeAuditRow(t)]),
        ...(r.timelineCut
          ? { note: `The newest ${r.timeline.length} entries of the audit log about the case.` }
          : {}),
      },
      empty: 'Nothing recorded.',
    },
  ];
  return out;
}

/**
 * Markdown: a table cell keeps to one line, its pipes and the characters Markdown reads escaped (not
 * `_`: GitHub's Markdown leaves it alone inside words, and ids are full of it).
 */
function mdCell(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/([|`*[\]<>#])/g, '\\$1')
    .replace(/\r?\n/g, '<br>');
}

function mdText(text: string): string {
  return text.replace(/([\\`*[\]<>#|])/g, '\\$1');
}

export function renderMarkdown(r: CaseReportData): string {
  const lines = [`# Incident report: ${mdText(r.kase.title)}`, ''];
  lines.push(`Generated ${r.generatedAt} by ${mdText(r.generatedBy)} from Riposte.`, '');
  for (const s of sections(r)) {
    lines.push(`## ${s.title}`, '');
    if (s.facts) {
      lines.push('| | |', '| --- | --- |');
      for (const [name, value] of s.facts) lines.push(`| ${name} | ${mdCell(value)} |`);
      lines.push('');
    }
    for (const t of s.text ?? []) lines.push(mdText(t), '');
    if (s.table) {
      if (s.table.rows.length === 0) {
        lines.push(s.empty ?? '', '');
        continue;
      }
      if (s.table.note) lines.push(`_${s.table.note}_`, '');
      lines.push(`| ${s.table.head.join(' | ')} |`, `| ${s.table.head.map(() => '---').join(' | ')} |`);
      for (const row of s.table.rows) lines.push(`| ${row.map(mdCell).join(' | ')} |`);
      lines.push('');
    }
  }
  return lines.join('\n');
}

function html(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** The page's own policy: nothing loads, nothing runs — the report is inert whatever the alerts held. */
export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'";

const STYLE = `
body { font: 11pt/1.45 system-ui, sans-serif; color: #1d232b; margin: 2rem; }
h1 { font-size: 18pt; margin: 0 0 0.2rem; } h2 { font-size: 13pt; margin: 1.6rem 0 0.5rem; border-bottom: 1px solid #ccd3db; }
.meta { color: #5a6573; font-size: 9pt; }
table { border-collapse: collapse; width: 100%; font-size: 9pt; }
th, td { border: 1px solid #d5dbe2; padding: 0.25rem 0.4rem; text-align: left; vertical-align: top; overflow-wrap: anywhere; white-space: pre-wrap; }
th { background: #eef2f6; }
table.facts th { width: 9rem; }
.note { color: #5a6573; font-style: italic; font-size: 9pt; }
p.text { white-space: pre-wrap; }
`;

export function renderHtml(r: CaseReportData): string {
  const parts = [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${html(REPORT_CSP)}">`,
    `<title>Incident report: ${html(r.kase.title)}</title>`,
    `<style>${STYLE}</style></head><body>`,
    `<h1>Incident report: ${html(r.kase.title)}</h1>`,
    `<p class="meta">Generated ${html(r.generatedAt)} by ${html(r.generatedBy)} from Riposte.</p>`,
  ];
  for (const s of sections(r)) {
    parts.push(`<h2>${html(s.title)}</h2>`);
    if (s.facts)
      parts.push(
        `<table class="facts">${s.facts.map(([n, v]) => `<tr><th>${html(n)}</th><td>${html(v)}</td></tr>`).join('')}</table>`,
      );
    for (const t of s.text ?? []) parts.push(`<p class="text">${html(t)}</p>`);
    if (s.table) {
      if (s.table.rows.length === 0) {
        parts.push(`<p class="note">${html(s.empty ?? '')}</p>`);
        continue;
      }
      if (s.table.note) parts.push(`<p class="note">${html(s.table.note)}</p>`);
      parts.push(
        `<table><thead><tr>${s.table.head.map((h) => `<th>${html(h)}</th>`).join('')}</tr></thead><tbody>${s.table.rows
          .map((row) => `<tr>${row.map((c) => `<td>${html(c)}</td>`).join('')}</tr>`)
          .join('')}</tbody></table>`,
      );
    }
  }
  parts.push('</body></html>');
  return parts.join('\n');
}
