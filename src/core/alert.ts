/** The normalized alert: the one model every vendor format is turned into (OCSF-aligned where OCSF has the concept). */

export const SEVERITIES = ['unknown', 'informational', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** OCSF severity_id for each severity (0 unknown … 5 critical; OCSF 6 "fatal" maps to critical). */
export const SEVERITY_ID: Record<Severity, number> = {
  unknown: 0,
  informational: 1,
  low: 2,
  medium: 3,
  high: 4,
  critical: 5,
};

export const OBSERVABLE_TYPES = [
  'ipv4',
  'ipv6',
  'domain',
  'url',
  'email',
  'md5',
  'sha1',
  'sha256',
  'filename',
  'user',
  'host',
  'process',
  'cve',
  'mac',
  'registry',
] as const;
export type ObservableType = (typeof OBSERVABLE_TYPES)[number];

/** What part the observable plays in the event; free text is allowed but these are the common ones. */
export type ObservableRole =
  | 'source'
  | 'destination'
  | 'actor'
  | 'target'
  | 'sender'
  | 'recipient'
  | 'related'
  | 'file'
  | 'parent'
  | 'query';

export interface Observable {
  type: ObservableType;
  value: string;
  role?: ObservableRole;
}

export interface MitreRef {
  tactic?: string;
  technique?: string;
}

export interface RuleRef {
  id?: string;
  name?: string;
}

export const ALERT_STATUSES = ['new', 'triaged', 'closed'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/** What a normalizer produces from one vendor event, before dedup, grouping and storage. */
export interface AlertDraft {
  sourceRef?: string;
  title: string;
  description?: string;
  severity: Severity;
  category: string;
  rule?: RuleRef;
  /** ISO 8601; the event's own time, falling back to the time of ingestion. */
  eventTime: string;
  observables: Observable[];
  mitre: MitreRef[];
  raw: unknown;
}

export interface Alert extends Omit<AlertDraft, 'rule'> {
  id: string;
  source: string;
  format: string;
  rule: RuleRef | null;
  fingerprint: string;
  firstSeen: string;
  lastSeen: string;
  count: number;
  caseId: string | null;
  status: AlertStatus;
  createdAt: string;
}
