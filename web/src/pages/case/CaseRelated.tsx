import { api } from '../../api.ts';
import { ErrorBox, Loading, Severity, Status, Time, useAsync } from '../../components/ui.tsx';
import { Link } from '../../router.tsx';
import { label } from './case-types.ts';

interface RelatedCase {
  id: string;
  title: string;
  status: string;
  severity: string;
  resolution: string | null;
  createdAt: string;
  closedAt: string | null;
  alertCount: number;
  score: number;
  sharedCount: number;
  shared: { type: string; value: string }[];
}

interface Related {
  items: RelatedCase[];
  probed: number;
  suggestion: { resolution: string; agreeing: number; closed: number } | null;
}

/** Other cases that saw the same observables, most alike first, and what most of the closed ones were. */
export function CaseRelated({ caseId, refresh }: { caseId: string; refresh: number }) {
  const related = useAsync(
    () => api.get<Related>(`/api/v1/cases/${encodeURIComponent(caseId)}/related`, { limit: 10 }),
    [caseId, refresh],
  );
  return (
    <section className="panel" aria-label="Related cases">
      <h2>Related cases</h2>
      <ErrorBox error={related.error} />
      {!related.data && !related.error && <Loading what="related cases" />}
      {related.data && (
        <>
          {related.data.suggestion && (
            <p data-testid="related-suggestion">
              <strong>{label(related.data.suggestion.resolution)}</strong>: {related.data.suggestion.agreeing}{' '}
              of {related.data.suggestion.closed} related closed cases were resolved so.
            </p>
          )}
          {related.data.items.length === 0 ? (
            <p className="muted small">No other case saw any of this case&apos;s observables.</p>
          ) : (
            <ol className="related-cases">
              {related.data.items.map((c) => (
                <li key={c.id} data-testid="related-case">
                  <Severity value={c.severity} />{' '}
                  <Link to={`/cases/${encodeURIComponent(c.id)}`}>{c.title}</Link> <Status value={c.status} />
                  {c.resolution && <> {label(c.resolution)}</>}
                  <div className="muted small">
                    {c.closedAt ? (
                      <>
                        closed <Time value={c.closedAt} />
                      </>
                    ) : (
                      <>
                        opened <Time value={c.createdAt} />
                      </>
                    )}{' '}
                    · shares {c.sharedCount} observable{c.sharedCount === 1 ? '' : 's'}:{' '}
                    {c.shared.map((o) => (
                      <span key={`${o.type}:${o.value}`} className="badge mono" title={o.type}>
                        {o.value}
                      </span>
                    ))}
                  </div>
                </li>
              ))}
            </ol>
          )}
        </>
      )}
    </section>
  );
}
