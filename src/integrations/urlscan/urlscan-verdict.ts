import type { EnrichmentFinding, Verdict } from '../sdk/integration.ts';

/**
 * urlscan's aggregate verdict (`verdicts.overall`): `malicious` (omitted rather than false when not
 * flagged) and `score` from -100 (legitimate) to 100 (malicious). Flagged → malicious; a positive
 * score short of that → suspicious; a negative one (urlscan has evidence the page is legitimate) →
 * benign; 0 or none → unknown, because a page urlscan has no opinion on is not thereby safe.
 * The finding's 0–100 score is the positive half of urlscan's scale.
 */
export function urlscanVerdict(overall: Record<string, unknown>): {
  verdict: Verdict;
  score: number | null;
  urlscanScore: number | null;
  malicious: boolean;
} {
  const raw = overall['score'];
  const urlscanScore = typeof raw === 'number' && Number.isFinite(raw) ? raw : null;
  const malicious = overall['malicious'] === true;
  const score = urlscanScore === null ? null : Math.round(Math.min(100, Math.max(0, urlscanScore)));
  const verdict: Verdict = malicious
    ? 'malicious'
    : urlscanScore !== null && urlscanScore > 0
      ? 'suspicious'
      : urlscanScore !== null && urlscanScore < 0
        ? 'benign'
        : 'unknown';
  return { verdict, score, urlscanScore, malicious };
}

export function findingOf(output: {
  found: boolean;
  verdict: Verdict;
  score: number | null;
  urlscanScore: number | null;
  categories: string[];
  brands: string[];
}): EnrichmentFinding {
  if (!output.found) return { verdict: 'unknown', score: null, summary: 'no urlscan.io scan of it' };
  const extra = [
    output.categories.length ? output.categories.join(', ') : '',
    output.brands.length ? `impersonates ${output.brands.join(', ')}` : '',
  ].filter(Boolean);
  return {
    verdict: output.verdict,
    score: output.score,
    summary: `urlscan score ${output.urlscanScore ?? 'none'}${extra.length ? ` (${extra.join('; ')})` : ''}`,
  };
}
