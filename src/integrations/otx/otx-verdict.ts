import type { EnrichmentFinding } from '../sdk/integration.ts';

/** Pulses at or above which an indicator counts as malicious; fewer (but some) is suspicious. */
export const MALICIOUS_PULSES = 5;

export interface OtxEvidence {
  observed: boolean;
  pulseCount: number;
  whitelisted: boolean;
  falsePositive: boolean;
}

/**
 * OTX pulses are community reports: many are bulk dumps, so one pulse is a lead, not a conviction.
 * - whitelisted by OTX's validation (source "whitelist", or a "Whitelisted …" check), or marked a
 *   false positive → benign, 0: popular services sit in many pulses, and OTX says so itself
 * - no pulses (or OTX does not know the indicator) → unknown
 * - 1–4 pulses → suspicious, 20 + 10 per pulse (30–60)
 * - 5 or more → malicious, 50 + 5 per pulse, at most 100 (75–100)
 */
export function otxFinding(evidence: OtxEvidence): EnrichmentFinding {
  const n = evidence.pulseCount;
  const pulses = `${n} OTX pulse${n === 1 ? '' : 's'}`;
  if (evidence.whitelisted) return { verdict: 'benign', score: 0, summary: `whitelisted by OTX (${pulses})` };
  if (evidence.falsePositive)
    return { verdict: 'benign', score: 0, summary: `a known false positive in OTX (${pulses})` };
  if (!evidence.observed || n <= 0) return { verdict: 'unknown', score: null, summary: 'in no OTX pulse' };
  if (n < MALICIOUS_PULSES) return { verdict: 'suspicious', score: 20 + 10 * n, summary: `in ${pulses}` };
  return { verdict: 'malicious', score: Math.min(100, 50 + 5 * n), summary: `in ${pulses}` };
}
