import type { EnrichmentFinding, Verdict } from '../sdk/integration.ts';

/** The four engine counts a verdict is drawn from (VT also counts timeouts and failures; they say nothing). */
export interface EngineStats {
  malicious: number;
  suspicious: number;
  harmless: number;
  undetected: number;
}

/** How many engines must call it malicious before Riposte does; fewer make it suspicious. */
export const DEFAULT_MALICIOUS_THRESHOLD = 3;

const count = (value: unknown): number =>
  typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;

/** Reads `last_analysis_stats` (objects) or `stats` (analyses); a missing or odd member counts 0. */
export function engineStats(raw: unknown): EngineStats {
  const s = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  return {
    malicious: count(s['malicious']),
    suspicious: count(s['suspicious']),
    harmless: count(s['harmless']),
    undetected: count(s['undetected']),
  };
}

export const ZERO_STATS: EngineStats = { malicious: 0, suspicious: 0, harmless: 0, undetected: 0 };

/**
 * malicious ≥ threshold → malicious; any malicious or suspicious vote → suspicious; none of those
 * and at least one harmless → benign; only "undetected" (or no engine answered) → unknown.
 * The score is the share of answering engines that said malicious, 0–100.
 */
export function verdictOf(
  stats: EngineStats,
  threshold = DEFAULT_MALICIOUS_THRESHOLD,
): { verdict: Verdict; score: number | null } {
  const total = stats.malicious + stats.suspicious + stats.harmless + stats.undetected;
  if (total === 0) return { verdict: 'unknown', score: null };
  const score = Math.round((stats.malicious / total) * 100);
  if (stats.malicious >= threshold) return { verdict: 'malicious', score };
  if (stats.malicious > 0 || stats.suspicious > 0) return { verdict: 'suspicious', score };
  if (stats.harmless > 0) return { verdict: 'benign', score };
  return { verdict: 'unknown', score };
}

/** What an enrichment summary shows for a VirusTotal answer. */
export function findingOf(output: {
  found: boolean;
  stats: EngineStats;
  verdict: Verdict;
  score: number | null;
}): EnrichmentFinding {
  if (!output.found) return { verdict: 'unknown', score: null, summary: 'not known to VirusTotal' };
  const s = output.stats;
  const total = s.malicious + s.suspicious + s.harmless + s.undetected;
  const suspicious = s.suspicious > 0 ? `, ${s.suspicious} suspicious` : '';
  return {
    verdict: output.verdict,
    score: output.score,
    summary: `${s.malicious}/${total} engines malicious${suspicious}`,
  };
}
