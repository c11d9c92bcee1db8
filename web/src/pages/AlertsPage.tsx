import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { api, errorText, type Page } from '../api.ts';
import { SavedViews } from '../components/SavedViews.tsx';
import { ErrorBox, Loading, Severity, Time } from '../components/ui.tsx';
import { useLive } from '../live.ts';
import { Link, navigate, setSearch, useLocation } from '../router.tsx';
import { useSession } from '../session.tsx';
import { AlertDetail, type Alert } from './alerts/AlertDetail.tsx';
import { BulkActions } from './alerts/BulkActions.tsx';

export const ALERT_FILTERS = ['severity', 'source', 'rule', 'hasCase', 'q', 'from', 'to'] as const;
type Filters = Record<(typeof ALERT_FILTERS)[number], string>;
const SEVERITIES = ['critical', 'high', 'medium', 'low', 'informational', 'unknown'];
const PAGE_SIZE = 50;

function readFilters(search: URLSearchParams): Filters {
  const filters = {} as Filters;
  for (const key of ALERT_FILTERS) filters[key] = search.get(key) ?? '';
  return filters;
}

function queryString(filters: Filters): string {
  const params = new URLSearchParams();
  for (const key of ALERT_FILTERS) if (filters[key]) params.set(key, filters[key]);
  return params.toString();
}

/** ISO 8601 (the URL, the API) ⇄ the browser's local `datetime-local` value. */
function toLocalInput(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return '';
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
function fromLocalInput(value: string): string {
  return value === '' ? '' : new Date(value).toISOString();
}

interface ListState {
  key: string;
  items: Alert[];
  nextCursor: string | null;
  loading: boolean;
  error: string | null;
}

export function AlertsPage() {
  const { search } = useLocation();
  const session = useSession();
  const filters = readFilters(search);
  const query = queryString(filters);
  const filtered = query !== '';
  const [list, setList] = useState<ListState>({
    key: '',
    items: [],
    nextCursor: null,
    loading: true,
    error: null,
  });
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [open, setOpen] = useState<string | null>(null);
  const [fresh, setFresh] = useState<Set<string>>(new Set());
  const queryRef = useRef(query);
  queryRef.current = query;

  const load = useCallback(async (q: string, cursor: string | null) => {
    const params = Object.fromEntries(new URLSearchParams(q));
    return api.get<Page<Alert>>('/api/v1/alerts', { ...params, cursor, limit: PAGE_SIZE });
  }, []);

  const reload = useCallback(() => {
    const q = queryRef.current;
    setList((l) => ({ ...l, key: q, loading: true, error: null }));
    setFresh(new Set());
    load(q, null).then(
      (page) => {
        if (queryRef.current !== q) return;
        setList({ key: q, items: page.items, nextCursor: page.nextCursor, loading: false, error: null });
        setSelected((s) => new Set(page.items.filter((a) => s.has(a.id)).map((a) => a.id)));
      },
      (e: unknown) => setList((l) => ({ ...l, loading: false, error: errorText(e) })),
    );
  }, [load]);

  useEffect(() => {
    setSelected(new Set());
    reload();
  }, [query, reload]);

  const loadMore = () => {
    if (!list.nextCursor) return;
    const q = list.key;
    setList((l) => ({ ...l, loading: true }));
    load(q, list.nextCursor).then(
      (page) =>
        setList((l) =>
          l.key === q
            ? { ...l, items: [...l.items, ...page.items], nextCursor: page.nextCursor, loading: false }
            : l,
        ),
      (e: unknown) => setList((l) => ({ ...l, loading: false, error: errorText(e) })),
    );
  };

  // New alerts: without filters they slide in at the top; with filters a notice counts them (they may
  // not match), and showing them reloads the list. A burst of events fetches once.
  const topUp = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => clearTimeout(topUp.current ?? undefined), []);
  useLive(['alert.created'], (event) => {
    const id = String(event.data.id ?? '');
    if (filtered) {
      setFresh((f) => (f.has(id) ? f : new Set(f).add(id)));
      return;
    }
    if (topUp.current) return;
    topUp.current = setTimeout(() => {
      topUp.current = null;
      const q = queryRef.current;
      if (q !== '') return;
      load(q, null).then(
        (page) =>
          setList((l) => {
            if (l.key !== q) return l;
            const known = new Set(l.items.map((a) => a.id));
            const newer = page.items.filter((a) => !known.has(a.id) && (!l.items[0] || a.id > l.items[0].id));
            return newer.length === 0 ? l : { ...l, items: [...newer, ...l.items] };
          }),
        () => undefined,
      );
    }, 300);
  });

  const toggle = (id: string) =>
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const allSelected = list.items.length > 0 && list.items.every((a) => selected.has(a.id));

  return (
    <div>
      <h1>Alerts</h1>
      <FilterForm filters={filters} />
      <SavedViews page="alerts" query={query} onApply={(q) => navigate(q ? `/alerts?${q}` : '/alerts')} />
      {filtered && fresh.size > 0 && (
        <div className="notice row" role="status">
          {fresh.size} new {fresh.size === 1 ? 'alert' : 'alerts'} since this list was loaded (some may not
          match the filters).
          <button type="button" onClick={reload}>
            Show new alerts
          </button>
        </div>
      )}
      {session.can('triage') && (
        <BulkActions
          ids={list.items.filter((a) => selected.has(a.id)).map((a) => a.id)}
          onDone={() => {
            setSelected(new Set());
            reload();
          }}
        />
      )}
      <ErrorBox error={list.error} />
      <div className={open ? 'cols' : ''}>
        <section
          className="panel alert-queue"
          aria-label="Alert queue"
          aria-busy={list.loading || list.key !== query}
        >
          {list.loading && list.items.length === 0 ? (
            <Loading what="alerts" />
          ) : list.items.length === 0 ? (
            <p className="muted">{filtered ? 'No alert matches these filters.' : 'No alerts yet.'}</p>
          ) : (
            <table>
              <caption className="sr-only">Alerts, newest first</caption>
              <thead>
                <tr>
                  {session.can('triage') && (
                    <th scope="col">
                      <input
                        type="checkbox"
                        aria-label="Select all shown alerts"
                        checked={allSelected}
                        onChange={() =>
                          setSelected(allSelected ? new Set() : new Set(list.items.map((a) => a.id)))
                        }
                      />
                    </th>
                  )}
                  <th scope="col">Severity</th>
                  <th scope="col">Title</th>
                  <th scope="col">Rule</th>
                  <th scope="col">Source</th>
                  <th scope="col">Observables</th>
                  <th scope="col">Case</th>
                  <th scope="col">Received</th>
                  <th scope="col">Duplicates</th>
                </tr>
              </thead>
              <tbody>
                {list.items.map((a) => (
                  <tr key={a.id} className={open === a.id ? 'selected' : undefined}>
                    {session.can('triage') && (
                      <td>
                        <input
                          type="checkbox"
                          aria-label={`Select ${a.title}`}
                          checked={selected.has(a.id)}
                          onChange={() => toggle(a.id)}
                        />
                      </td>
                    )}
                    <td>
                      <Severity value={a.severity} />
                    </td>
                    <td>
                      <button
                        type="button"
                        className="link"
                        aria-expanded={open === a.id}
                        onClick={() => setOpen(open === a.id ? null : a.id)}
                      >
                        {a.title}
                      </button>
                    </td>
                    <td className="small">
                      {a.rule ? (a.rule.name ?? a.rule.id) : <span className="muted">—</span>}
                    </td>
                    <td className="small">
                      {a.source}
                      <span className="muted"> / {a.format}</span>
                    </td>
                    <td>{a.observables.length}</td>
                    <td className="small">
                      {a.caseId ? (
                        <Link to={`/cases/${encodeURIComponent(a.caseId)}`}>{a.caseId.slice(-8)}</Link>
                      ) : (
                        <span className="muted">not grouped yet</span>
                      )}
                    </td>
                    <td>
                      <Time value={a.createdAt} />
                    </td>
                    <td>{a.count - 1}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {list.nextCursor && (
            <button type="button" onClick={loadMore} disabled={list.loading}>
              Load more
            </button>
          )}
        </section>
        {open && <AlertDetail id={open} onClose={() => setOpen(null)} />}
      </div>
    </div>
  );
}

function FilterForm({ filters }: { filters: Filters }) {
  const [draft, setDraft] = useState(filters);
  const key = queryString(filters);
  // The URL changed (a saved view, the back button): show its filters.
  useEffect(() => setDraft(readFilters(new URLSearchParams(key))), [key]);
  const set = (name: keyof Filters, value: string) => setDraft((d) => ({ ...d, [name]: value }));
  const apply = (next: Filters) => setSearch({ ...next });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    apply(draft);
  };
  return (
    <form className="panel row filters" onSubmit={submit} aria-label="Alert filters">
      <label>
        Severity
        <select
          value={draft.severity}
          onChange={(e) => {
            set('severity', e.target.value);
            apply({ ...draft, severity: e.target.value });
          }}
        >
          <option value="">Any</option>
          {SEVERITIES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      <label>
        Source
        <input value={draft.source} onChange={(e) => set('source', e.target.value)} size={12} />
      </label>
      <label>
        Rule
        <input value={draft.rule} onChange={(e) => set('rule', e.target.value)} size={14} />
      </label>
      <label>
        Case
        <select
          value={draft.hasCase}
          onChange={(e) => {
            set('hasCase', e.target.value);
            apply({ ...draft, hasCase: e.target.value });
          }}
        >
          <option value="">Any</option>
          <option value="true">In a case</option>
          <option value="false">Not in a case</option>
        </select>
      </label>
      <label>
        Text
        <input
          type="search"
          value={draft.q}
          onChange={(e) => set('q', e.target.value)}
          placeholder="IP, domain, hash, words…"
          size={18}
        />
      </label>
      <label>
        Received from
        <input
          type="datetime-local"
          value={toLocalInput(draft.from)}
          onChange={(e) => set('from', fromLocalInput(e.target.value))}
        />
      </label>
      <label>
        Received before
        <input
          type="datetime-local"
          value={toLocalInput(draft.to)}
          onChange={(e) => set('to', fromLocalInput(e.target.value))}
        />
      </label>
      <button type="submit" className="primary">
        Apply filters
      </button>
      <button
        type="button"
        onClick={() => {
          const empty = Object.fromEntries(ALERT_FILTERS.map((k) => [k, ''])) as Filters;
          setDraft(empty);
          apply(empty);
        }}
      >
        Clear
      </button>
    </form>
  );
}
