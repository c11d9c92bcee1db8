import type { Severity } from '../core/alert.ts';

export const CRITICALITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Criticality = (typeof CRITICALITIES)[number];

export interface PriorityFactor {
  factor: 'severity' | 'asset_criticality' | 'rule_history' | 'alert_volume' | 'threat_intel';
  points: number;
  detail: string;
}

export interface Priority {
  score: number;
  factors: PriorityFactor[];
}

export interface RuleHistory {
  ruleKey: string;
  truePositive: number;
  falsePositive: number;
  benignPositive: number;
  duplicate: number;
}

export interface PriorityInput {
  severity: Severity;
  /** The most critical asset among the case's hosts and IPs, if any is in the asset list. */
  asset?: { type: string; value: string; criticality: Criticality };
  history?: RuleHistory;
  alertCount: number;
  /** The case's observables that matched live threat-intelligence indicators, and from which feeds. */
  intel?: { matches: number; sources: readonly string[]; confidence: number };
}

const SEVERITY_POINTS: Record<Severity, number> = {
  unknown: 15,
  informational: 5,
  low: 20,
  medium: 40,
  high: 60,
  critical: 80,
};
const CRITICALITY_POINTS: Record<Criticality, number> = { low: 0, medium: 5, high: 12, critical: 20 };
/** An indicator below this confidence is a lead (a suspicious finding), not evidence. */
const INTEL_EVIDENCE = 50;
/** Fewer closed cases than this say nothing reliable about a rule. */
const MIN_HISTORY = 3;

/**
 * A 0–100 priority with its explanation: severity sets the base, a critical asset raises it, a rule
 * whose past cases were mostly false or benign positives lowers it, an observable a threat feed lists
 * raises it (more for confident indicators and several of them), a burst of alerts raises it a little.
 */
export function computePriority(input: PriorityInput): Priority {
  const factors: PriorityFactor[] = [
    { factor: 'severity', points: SEVERITY_POINTS[input.severity], detail: `severity ${input.severity}` },
  ];
  if (input.asset) {
    const points = CRITICALITY_POINTS[input.asset.criticality];
    factors.push({
      factor: 'asset_criticality',
      points,
      detail: `${input.asset.type} ${input.asset.value} has criticality ${input.asset.criticality}`,
    });
  }
  const h = input.history;
  const closed = h ? h.truePositive + h.falsePositive + h.benignPositive : 0;
  if (h && closed >= MIN_HISTORY) {
    const noise = (h.falsePositive + h.benignPositive) / closed;
    const hits = h.truePositive / closed;
    const points = Math.round(10 * hits - 30 * noise);
    factors.push({
      factor: 'rule_history',
      points,
      detail: `rule ${h.ruleKey}: ${h.truePositive} true positives, ${h.falsePositive} false positives and ${h.benignPositive} benign positives in ${closed} closed cases`,
    });
  }
  const intel = input.intel;
  if (intel && intel.matches > 0) {
    const strong = intel.confidence >= INTEL_EVIDENCE;
    const points = strong
      ? Math.min(25, 15 + 5 * (intel.matches - 1))
      : Math.min(10, 5 + 2 * (intel.matches - 1));
    const many = intel.matches === 1 ? '1 observable matches' : `${intel.matches} observables match`;
    factors.push({
      factor: 'threat_intel',
      points,
      detail: `threat intel: ${many} indicators from ${intel.sources.join(', ')} (confidence up to ${intel.confidence})`,
    });
  }
  if (input.alertCount > 1) {
    const points = Math.min(10, 2 * Math.floor(Math.log2(input.alertCount)));
    if (points > 0)
      factors.push({ factor: 'alert_volume', points, detail: `${input.alertCount} alerts in the case` });
  }
  const score = Math.max(
    0,
    Math.min(
      100,
      factors.reduce((sum, f) => sum + f.points, 0),
    ),
  );
  return { score, factors };
}
