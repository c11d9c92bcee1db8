import type { EnrichmentFinding } from '../sdk/integration.ts';

/** Shodan tags that say the host itself is bad, not merely exposed. */
export const HOSTILE_TAGS = ['c2', 'malware', 'compromised', 'doublepulsar'] as const;
export const HOSTILE_SCORE = 80;
/** Known CVEs raise the score by this much each, from a base, up to a cap below "malicious". */
const VULN_BASE = 30;
const VULN_STEP = 10;
export const VULN_CAP = 70;

export interface ShodanEvidence {
  observed: boolean;
  ports: number[];
  vulns: string[];
  tags: string[];
}

/**
 * Shodan describes exposure, not intent:
 * - not in Shodan → unknown, no score
 * - tagged c2 / malware / compromised / doublepulsar by Shodan → malicious (80)
 * - known CVEs → suspicious, 30 + 10 per CVE, at most 70: a vulnerable host is more likely to be
 *   (or become) compromised, which is worth a look, never proof
 * - otherwise → unknown, score 0: seen, nothing known against it, and no opinion on its intent
 */
export function shodanFinding(evidence: ShodanEvidence): EnrichmentFinding {
  if (!evidence.observed)
    return { verdict: 'unknown', score: null, summary: 'Shodan has no information on this IP' };
  const ports = `${evidence.ports.length} open port${evidence.ports.length === 1 ? '' : 's'}`;
  const hostile = evidence.tags.filter((t) => (HOSTILE_TAGS as readonly string[]).includes(t));
  if (hostile.length > 0)
    return {
      verdict: 'malicious',
      score: HOSTILE_SCORE,
      summary: `Shodan tags ${hostile.join(', ')}; ${ports}`,
    };
  const n = evidence.vulns.length;
  if (n > 0)
    return {
      verdict: 'suspicious',
      score: Math.min(VULN_CAP, VULN_BASE + VULN_STEP * n),
      summary: `${n} known CVE${n === 1 ? '' : 's'} (${evidence.vulns.slice(0, 3).join(', ')}${n > 3 ? ', …' : ''}); ${ports}`,
    };
  return { verdict: 'unknown', score: 0, summary: `${ports}, no known CVEs` };
}
