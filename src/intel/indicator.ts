import type { ObservableType } from '../core/alert.ts';

/** The observable types an indicator can have: those a feed can name and an alert can carry. */
export const INDICATOR_TYPES = [
  'ipv4',
  'ipv6',
  'domain',
  'url',
  'email',
  'md5',
  'sha1',
  'sha256',
  'filename',
] as const satisfies readonly ObservableType[];
export type IndicatorType = (typeof INDICATOR_TYPES)[number];

export function isIndicatorType(value: string): value is IndicatorType {
  return (INDICATOR_TYPES as readonly string[]).includes(value);
}

export const INTEL_FORMATS = ['stix', 'misp', 'urlhaus', 'urlhaus-api', 'feodo', 'threatfox'] as const;
export type IntelFormat = (typeof INTEL_FORMATS)[number];

export function isIntelFormat(value: string): value is IntelFormat {
  return (INTEL_FORMATS as readonly string[]).includes(value);
}

/** One indicator as a parser read it: value canonical, times ISO 8601 or null when the data has none. */
export interface ParsedIndicator {
  type: IndicatorType;
  value: string;
  /** 0–100, or null when the data says nothing (the import's default applies). */
  confidence: number | null;
  /** What the indicator is evidence of: a malware family, a threat type, an event title. */
  threat: string | null;
  labels: string[];
  tags: string[];
  firstSeen: string | null;
  validUntil: string | null;
  /** The feed's own id or link for the entry. */
  reference: string | null;
}

/** A problem with one record: where it is, which field, and what was expected there. */
export interface ParseIssue {
  /** `line 12`, `objects[3]`, `Event.Object[4].Attribute[1]`… */
  record: string;
  field: string;
  problem: string;
}

export interface ParseResult {
  indicators: ParsedIndicator[];
  /** Records that break the format: the file is rejected unless the import is partial. */
  errors: ParseIssue[];
  /** Valid records Riposte cannot use (a pattern it cannot map, a type it does not know): skipped. */
  warnings: ParseIssue[];
  /** How many records the file holds (indicators, attributes, rows), valid or not. */
  records: number;
}

/** A parser is pure: text in, indicators and issues out; no clock, no I/O. */
export type IntelParser = (text: string) => ParseResult;
