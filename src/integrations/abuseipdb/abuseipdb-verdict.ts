import type { EnrichmentFinding } from '../sdk/integration.ts';

/** At or above: AbuseIPDB's own "confidence of abuse" is high enough to call the address malicious. */
export const MALICIOUS_CONFIDENCE = 75;
/** At or above (and below MALICIOUS_CONFIDENCE): worth a look, not enough to act on alone. */
export const SUSPICIOUS_CONFIDENCE = 25;

export interface AbuseIpdbEvidence {
  abuseConfidenceScore: number;
  totalReports: number;
  numDistinctUsers: number;
  isWhitelisted: boolean | null;
}

/**
 * The verdict from an AbuseIPDB check. The score is AbuseIPDB's abuse confidence as is, except for
 * whitelisted addresses.
 *
 * - whitelisted by AbuseIPDB → benign, 0 (they vouch for it; reports against it are discounted)
 * - confidence ≥ 75 → malicious; ≥ 25 → suspicious
 * - anything lower → unknown: AbuseIPDB only collects abuse reports, so an address nobody reported
 *   (or whose few reports have aged to a low confidence) is not evidence that it is benign.
 */
export function abuseIpdbFinding(evidence: AbuseIpdbEvidence): EnrichmentFinding {
  const score = evidence.abuseConfidenceScore;
  const reports = `${evidence.totalReports} report${evidence.totalReports === 1 ? '' : 's'} from ${evidence.numDistinctUsers} user${evidence.numDistinctUsers === 1 ? '' : 's'}`;
  if (evidence.isWhitelisted === true)
    return { verdict: 'benign', score: 0, summary: `whitelisted by AbuseIPDB (${reports})` };
  const summary = `abuse confidence ${score} % (${reports})`;
  if (score >= MALICIOUS_CONFIDENCE) return { verdict: 'malicious', score, summary };
  if (score >= SUSPICIOUS_CONFIDENCE) return { verdict: 'suspicious', score, summary };
  if (evidence.totalReports === 0)
    return { verdict: 'unknown', score, summary: 'never reported to AbuseIPDB' };
  return { verdict: 'unknown', score, summary };
}
