import { useState, type FormEvent } from 'react';
import { api, type Page } from '../../api.ts';
import { ErrorBox, Severity, useAction, useAsync } from '../../components/ui.tsx';
import { navigate } from '../../router.tsx';
import type { CaseDetail, CaseItem } from './case-types.ts';

/**
 * Merge this open case into another open case, found by words of its title, tags or observables.
 * The other case takes everything; this one is closed as a duplicate, and the console goes there.
 */
export function CaseMerge({ kase }: { kase: CaseDetail }) {
  const [query, setQuery] = useState('');
  const [asked, setAsked] = useState('');
  const [into, setInto] = useState('');
  const [note, setNote] = useState('');
  const action = useAction();
  const found = useAsync(
    () =>
      api
        .get<Page<CaseItem>>('/api/v1/cases', {
          status: 'open',
          limit: 20,
          ...(asked.trim() === '' ? {} : { q: asked }),
        })
        .then((page) => ({ asked, items: page.items })),
    [asked],
  );
  // Only the answer to the words asked last: the previous list stays on screen while a search runs,
  // and a case picked from it would not be one the search found.
  const current = found.data?.asked === asked ? found.data.items : [];
  const choices = current.filter((c) => c.id !== kase.id);
  const search = (event: FormEvent) => {
    event.preventDefault();
    setAsked(query);
    setInto('');
  };
  const merge = (event: FormEvent) => {
    event.preventDefault();
    void action.run(async () => {
      await api.post(`/api/v1/cases/${encodeURIComponent(kase.id)}/merge`, {
        into,
        ...(note.trim() === '' ? {} : { note }),
      });
      navigate(`/cases/${encodeURIComponent(into)}`);
    });
  };
  return (
    <details className="case-merge">
      <summary>Merge into another case</summary>
      <form className="row" aria-label="Find a case to merge into" onSubmit={search}>
        <label>
          Find open cases
          <input
            value={query}
            placeholder="words of a title, tag or observable"
            onChange={(e) => setQuery(e.target.value)}
          />
        </label>
        <button type="submit">Search</button>
      </form>
      <ErrorBox error={found.error} />
      <form className="stack" aria-label="Merge the case" onSubmit={merge}>
        {found.data?.asked === asked && choices.length === 0 && (
          <p className="muted small">No other open case matches.</p>
        )}
        <fieldset className="stack merge-choices">
          <legend>Merge into</legend>
          {choices.map((c) => (
            <label key={c.id} className="row">
              <input
                type="radio"
                name="merge-into"
                value={c.id}
                checked={into === c.id}
                onChange={() => setInto(c.id)}
              />
              <Severity value={c.severity} /> {c.title}{' '}
              <span className="muted small mono">
                {c.id} · {c.alertCount} alert{c.alertCount === 1 ? '' : 's'}
              </span>
            </label>
          ))}
        </fieldset>
        <label>
          Merge note
          <input value={note} maxLength={10_000} onChange={(e) => setNote(e.target.value)} />
        </label>
        <p className="muted small">
          The chosen case takes this one's alerts, observables, comments, runs, tasks and response actions;
          this case is closed as a duplicate, with the merge note (if any) as its note.
        </p>
        <ErrorBox error={action.error} />
        <div>
          <button type="submit" className="primary" disabled={action.busy || into === ''}>
            Merge
          </button>
        </div>
      </form>
    </details>
  );
}
