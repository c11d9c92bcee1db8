import { useState, type FormEvent } from 'react';
import { api } from '../api.ts';
import { useSession } from '../session.tsx';
import { ErrorBox, useAction, useAsync } from './ui.tsx';

export interface SavedView {
  id: string;
  name: string;
  page: 'alerts' | 'cases';
  query: string;
  owner: string;
  shared: boolean;
  createdAt: string;
}

/**
 * Saved views of a list page (the alert queue, the case list): pick one to apply its filters, save the
 * current filters under a name (for yourself, or shared with everyone), delete your own (admins: any).
 * `query` is the page's current query string; `onApply` gets a saved one back.
 */
export function SavedViews({
  page,
  query,
  onApply,
}: {
  page: 'alerts' | 'cases';
  query: string;
  onApply: (query: string) => void;
}) {
  const session = useSession();
  const views = useAsync(() => api.get<{ items: SavedView[] }>('/api/v1/views', { page }), [page]);
  const [selected, setSelected] = useState('');
  const [name, setName] = useState('');
  const [shared, setShared] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const action = useAction();
  const items = views.data?.items ?? [];
  const current = items.find((v) => v.id === selected);
  const me = session.principal.kind === 'user' ? session.principal.name : `token:${session.principal.name}`;
  const mayDelete = current !== undefined && (current.owner === me || session.principal.role === 'admin');

  const apply = (id: string) => {
    setSelected(id);
    const view = items.find((v) => v.id === id);
    if (view) {
      setMessage(`Applied “${view.name}”.`);
      onApply(view.query);
    }
  };
  const save = async (event: FormEvent) => {
    event.preventDefault();
    const ok = await action.run(async () => {
      const view = await api.post<SavedView>('/api/v1/views', { name: name.trim(), page, query, shared });
      setSelected(view.id);
      setMessage(`Saved “${view.name}”.`);
    });
    if (ok) {
      setName('');
      setShared(false);
      views.reload();
    }
  };
  const remove = async () => {
    if (!current) return;
    const ok = await action.run(() => api.delete(`/api/v1/views/${encodeURIComponent(current.id)}`));
    if (ok) {
      setMessage(`Deleted “${current.name}”.`);
      setSelected('');
      views.reload();
    }
  };

  return (
    <div className="saved-views row" role="group" aria-label="Saved views">
      <label>
        Saved view
        <select value={selected} onChange={(e) => apply(e.target.value)} disabled={items.length === 0}>
          <option value="">{items.length === 0 ? 'No saved views yet' : 'Choose a view…'}</option>
          {items.map((v) => (
            <option key={v.id} value={v.id}>
              {v.name}
              {v.shared ? ' (shared)' : ''}
              {v.owner !== me ? ` — ${v.owner}` : ''}
            </option>
          ))}
        </select>
      </label>
      {mayDelete && (
        <button type="button" onClick={remove} disabled={action.busy}>
          Delete view
        </button>
      )}
      <form className="row" onSubmit={save} aria-label="Save the current filters">
        <label>
          View name
          <input value={name} onChange={(e) => setName(e.target.value)} maxLength={100} required />
        </label>
        <label className="inline">
          <input type="checkbox" checked={shared} onChange={(e) => setShared(e.target.checked)} />
          Share with everyone
        </label>
        <button type="submit" disabled={action.busy || name.trim() === ''}>
          Save view
        </button>
      </form>
      <span className="muted small" role="status">
        {message}
      </span>
      <ErrorBox error={action.error ?? views.error} />
    </div>
  );
}
