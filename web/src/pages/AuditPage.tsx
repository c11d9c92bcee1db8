import { Fragment, useEffect, useState, type FormEvent } from 'react';
import { api, type Page } from '../api.ts';
import { ErrorBox, Loading, Panel, Time, useAction, useAsync } from '../components/ui.tsx';
import { setSearch, useLocation } from '../router.tsx';
import { useSession } from '../session.tsx';

interface AuditRecord {
  seq: number;
  at: string;
  actor: string;
  actorType: string;
  action: string;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  details: Record<string, unknown>;
  hash: string;
}

type Verification =
  | { ok: true; checked: number; head: string }
  | { ok: false; checked: number; problem: { seq: number; reason: string } };

const FILTERS = ['actor', 'action', 'targetType', 'targetId', 'since', 'until'] as const;
type Filters = Record<(typeof FILTERS)[number], string>;

/** `datetime-local` values are local times without a zone; the API wants ISO-8601. */
function toIso(local: string): string | undefined {
  if (!local) return undefined;
  const ms = Date.parse(local);
  return Number.isNaN(ms) ? local : new Date(ms).toISOString();
}

/** The audit log, newest first, with filters kept in the URL and the chain check for admins. */
export function AuditPage() {
  const { search } = useLocation();
  const { principal } = useSession();
  const applied = Object.fromEntries(FILTERS.map((f) => [f, search.get(f) ?? ''])) as Filters;
  const key = FILTERS.map((f) => applied[f]).join('\u0000');
  const query = {
    ...applied,
    since: toIso(applied.since),
    until: toIso(applied.until),
    order: 'desc',
    limit: 50,
  };
  // The page loaded says which filters it answers, so rows of the filters before are never
  // taken for the answer to these (the table is aria-busy until they are replaced).
  const loaded = useAsync(
    async () => ({ key, page: await api.get<Page<AuditRecord>>('/api/v1/audit', query) }),
    [key],
  );
  const first = { ...loaded, data: loaded.data?.page };
  const busy = loaded.loading || loaded.data?.key !== key;
  const [more, setMore] = useState<Page<AuditRecord> | null>(null);
  useEffect(() => setMore(null), [first.data]);
  const loading = useAction();
  const rows = [...(first.data?.items ?? []), ...(more?.items ?? [])];
  const cursor = more ? more.nextCursor : (first.data?.nextCursor ?? null);
  const loadMore = () =>
    loading.run(async () => {
      const page = await api.get<Page<AuditRecord>>('/api/v1/audit', { ...query, cursor });
      setMore((m) => ({ items: [...(m?.items ?? []), ...page.items], nextCursor: page.nextCursor }));
    });
  return (
    <div>
      <h1>Audit log</h1>
      <FilterForm applied={applied} />
      {principal.role === 'admin' && <ChainCheck />}
      <Panel title="Entries" busy={busy}>
        <ErrorBox error={first.error ?? loading.error} />
        {!first.data && first.loading && <Loading what="the audit log" />}
        {first.data && rows.length === 0 && <p className="muted">No entries match these filters.</p>}
        {rows.length > 0 && <AuditTable rows={rows} />}
        {cursor && (
          <button onClick={loadMore} disabled={loading.busy}>
            Load older entries
          </button>
        )}
      </Panel>
    </div>
  );
}

function FilterForm({ applied }: { applied: Filters }) {
  const [draft, setDraft] = useState<Filters>(applied);
  const appliedKey = JSON.stringify(applied);
  useEffect(() => setDraft(JSON.parse(appliedKey) as Filters), [appliedKey]);
  const set = (name: keyof Filters) => (e: { target: { value: string } }) =>
    setDraft((d) => ({ ...d, [name]: e.target.value }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSearch(draft);
  };
  const clear = () => setSearch({});
  return (
    <form className="panel row" onSubmit={submit} aria-label="Audit filters">
      <label>
        Actor
        <input value={draft.actor} onChange={set('actor')} placeholder="mona, token:ci, run:…" />
      </label>
      <label>
        Action
        <input value={draft.action} onChange={set('action')} placeholder="approval.approved or response.*" />
      </label>
      <label>
        Target type
        <input value={draft.targetType} onChange={set('targetType')} placeholder="case, run, user…" />
      </label>
      <label>
        Target id
        <input value={draft.targetId} onChange={set('targetId')} />
      </label>
      <label>
        From
        <input type="datetime-local" value={draft.since} onChange={set('since')} />
      </label>
      <label>
        Until
        <input type="datetime-local" value={draft.until} onChange={set('until')} />
      </label>
      <button className="primary" type="submit">
        Apply filters
      </button>
      <button type="button" onClick={clear}>
        Clear filters
      </button>
    </form>
  );
}

function AuditTable({ rows }: { rows: AuditRecord[] }) {
  const [open, setOpen] = useState<number | null>(null);
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Time</th>
          <th scope="col">Actor</th>
          <th scope="col">Action</th>
          <th scope="col">Target</th>
          <th scope="col">From</th>
          <th scope="col">
            <span className="muted">Detail</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <Fragment key={row.seq}>
            <tr className={open === row.seq ? 'selected' : undefined}>
              <td>
                <Time value={row.at} />
                <div className="muted small">{new Date(row.at).toLocaleString()}</div>
              </td>
              <td>
                {row.actor} <span className="muted small">{row.actorType}</span>
              </td>
              <td>
                <code>{row.action}</code>
              </td>
              <td>
                {row.targetType ? (
                  <>
                    <span className="muted">{row.targetType}</span> {row.targetId}
                  </>
                ) : (
                  <span className="muted">—</span>
                )}
              </td>
              <td className="small">{row.ip ?? <span className="muted">—</span>}</td>
              <td>
                <button
                  aria-expanded={open === row.seq}
                  aria-controls={`audit-${row.seq}`}
                  aria-label={`Details of entry ${row.seq}`}
                  onClick={() => setOpen(open === row.seq ? null : row.seq)}
                >
                  {open === row.seq ? 'Hide' : 'Details'}
                </button>
              </td>
            </tr>
            {open === row.seq && (
              <tr id={`audit-${row.seq}`}>
                <td colSpan={6}>
                  <dl className="facts small">
                    <dt>Sequence</dt>
                    <dd>{row.seq}</dd>
                    <dt>Time</dt>
                    <dd>{row.at}</dd>
                    <dt>Hash</dt>
                    <dd>
                      <code>{row.hash}</code>
                    </dd>
                  </dl>
                  <pre aria-label={`Details of entry ${row.seq} as JSON`}>
                    {JSON.stringify(row.details, null, 2)}
                  </pre>
                </td>
              </tr>
            )}
          </Fragment>
        ))}
      </tbody>
    </table>
  );
}

function ChainCheck() {
  const [result, setResult] = useState<Verification | null>(null);
  const action = useAction();
  const verify = () =>
    action.run(async () => {
      setResult(null);
      setResult(await api.get<Verification>('/api/v1/audit/verify'));
    });
  return (
    <Panel
      title="Chain verification"
      actions={
        <button onClick={verify} disabled={action.busy}>
          Verify the chain
        </button>
      }
    >
      <p className="muted small">
        Every entry is HMAC-chained to the one before it: an altered, inserted or deleted entry breaks the
        chain.
      </p>
      <ErrorBox error={action.error} />
      {action.busy && <Loading what="every entry" />}
      {result?.ok === true && (
        <p role="status" className="ok-text">
          Chain intact: {result.checked} entries checked. Head <code>{result.head}</code> — record it
          elsewhere to detect a truncation.
        </p>
      )}
      {result?.ok === false && (
        <div className="error" role="alert">
          Chain broken at entry {result.problem.seq}: {result.problem.reason} ({result.checked} entries
          checked before it).
        </div>
      )}
    </Panel>
  );
}
