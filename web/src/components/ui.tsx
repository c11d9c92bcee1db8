import { useCallback, useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { errorText } from '../api.ts';

/** Loads data for a component; `reload` fetches again (after a change or a live event). */
export function useAsync<T>(
  load: () => Promise<T>,
  deps: unknown[],
): {
  data: T | undefined;
  error: string | null;
  loading: boolean;
  reload: () => void;
} {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    let live = true;
    setLoading(true);
    loadRef.current().then(
      (value) => {
        if (!live) return;
        setData(value);
        setError(null);
        setLoading(false);
      },
      (e: unknown) => {
        if (!live) return;
        setError(errorText(e));
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload };
}

/** Runs an action from a button: disables while busy, shows the error. */
export function useAction(): {
  busy: boolean;
  error: string | null;
  run: (action: () => Promise<unknown>) => Promise<boolean>;
  clear: () => void;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = useCallback(async (action: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
      return true;
    } catch (e) {
      setError(errorText(e));
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run, clear: () => setError(null) };
}

export function ErrorBox({ error }: { error: string | null | undefined }) {
  if (!error) return null;
  return (
    <div className="error" role="alert">
      {error}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" aria-live="polite">
      Loading {what}…
    </p>
  );
}

export function Severity({ value }: { value: string | null | undefined }) {
  if (!value) return <span className="muted">—</span>;
  return <span className={`badge sev-${value}`}>{value}</span>;
}

export function Verdict({ value }: { value: string | null | undefined }) {
  if (!value) return <span className="muted">no verdict</span>;
  return <span className={`badge verdict-${value}`}>{value}</span>;
}

const STATE_CLASS: Record<string, string> = {
  succeeded: 'state-ok',
  completed: 'state-ok',
  approved: 'state-ok',
  applied: 'state-ok',
  closed: 'state-ok',
  failed: 'state-bad',
  denied: 'state-bad',
  breached: 'state-bad',
  cancelled: 'state-warn',
  expired: 'state-warn',
  rolled_back: 'state-warn',
  at_risk: 'state-warn',
  running: 'state-info',
  waiting: 'state-info',
  pending: 'state-info',
  undoing: 'state-info',
  open: 'state-info',
};

export function Status({ value }: { value: string }) {
  return <span className={`badge ${STATE_CLASS[value] ?? ''}`}>{value.replace(/_/g, ' ')}</span>;
}

export function Time({ value }: { value: string | null | undefined }) {
  if (!value) return <span className="muted">—</span>;
  const date = new Date(value);
  return (
    <time dateTime={value} title={date.toLocaleString()}>
      {relative(date)}
    </time>
  );
}

export function relative(date: Date, now = Date.now()): string {
  const seconds = Math.round((now - date.getTime()) / 1000);
  const abs = Math.abs(seconds);
  const suffix = seconds >= 0 ? 'ago' : 'from now';
  if (abs < 45) return seconds >= 0 ? 'just now' : 'in a moment';
  if (abs < 3600) return `${Math.round(abs / 60)} min ${suffix}`;
  if (abs < 86400) return `${Math.round(abs / 3600)} h ${suffix}`;
  return `${Math.round(abs / 86400)} d ${suffix}`;
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

export function Panel({
  title,
  children,
  actions,
  busy,
}: {
  title?: string;
  children: ReactNode;
  actions?: ReactNode;
  /** True while what the panel shows is being replaced (aria-busy). */
  busy?: boolean;
}) {
  return (
    <section className="panel" aria-label={title} aria-busy={busy}>
      {(title || actions) && (
        <div className="row spread">
          {title && <h2>{title}</h2>}
          {actions}
        </div>
      )}
      {children}
    </section>
  );
}

/** Keyboard-reachable tabs (arrow keys move between them). */
export function Tabs<T extends string>({
  tabs,
  value,
  onChange,
  label,
}: {
  tabs: { id: T; label: string }[];
  value: T;
  onChange: (id: T) => void;
  label: string;
}) {
  return (
    <div className="tabs" role="tablist" aria-label={label}>
      {tabs.map((t, i) => (
        <button
          key={t.id}
          role="tab"
          aria-selected={t.id === value}
          tabIndex={t.id === value ? 0 : -1}
          onClick={() => onChange(t.id)}
          onKeyDown={(event) => {
            const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
            if (!step) return;
            const next = tabs[(i + step + tabs.length) % tabs.length];
            if (next) onChange(next.id);
          }}
        >
          {t.label}
        </button>
      ))}
    </div>
  );
}

/**
 * A table's header row: the named columns, then a quiet column for the row's buttons — headed
 * "Actions", or `actions` when it is a label; none when it is false.
 */
export function TableHead({
  columns,
  actions = true,
}: {
  columns: readonly string[];
  actions?: boolean | string;
}) {
  return (
    <thead>
      <tr>
        {columns.map((c) => (
          <th scope="col" key={c}>
            {c}
          </th>
        ))}
        {actions !== false && (
          <th scope="col">
            <span className="muted">{actions === true ? 'Actions' : actions}</span>
          </th>
        )}
      </tr>
    </thead>
  );
}

/** Delete with a second click: "Delete" asks, "Confirm delete" acts, "Keep" backs out. */
export function ConfirmDelete({
  name,
  confirming,
  busy,
  onAsk,
  onConfirm,
  onKeep,
}: {
  /** What is deleted, as the buttons' labels name it. */
  name: string;
  confirming: boolean;
  busy: boolean;
  onAsk: () => void;
  onConfirm: () => void;
  onKeep: () => void;
}) {
  if (!confirming)
    return (
      <button onClick={onAsk} aria-label={`Delete ${name}`}>
        Delete
      </button>
    );
  return (
    <>
      <button className="danger" onClick={onConfirm} disabled={busy} aria-label={`Confirm delete ${name}`}>
        Confirm delete
      </button>{' '}
      <button onClick={onKeep}>Keep</button>
    </>
  );
}

/** A labelled control with its bounds under it, and the server's error about it there too. */
export function Field({
  label,
  hint,
  error,
  children,
}: {
  label: string;
  hint?: string | undefined;
  error: string | undefined;
  children: (aria: { 'aria-invalid'?: true; 'aria-describedby'?: string }) => ReactNode;
}) {
  const errorId = useId();
  return (
    <span className="field">
      <label>
        {label}
        {children(error ? { 'aria-invalid': true, 'aria-describedby': errorId } : {})}
      </label>
      {hint && <span className="muted small">{hint}</span>}
      {error && (
        <span id={errorId} className="bad-text small" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}
