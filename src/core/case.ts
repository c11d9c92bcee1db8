import type { Observable, Severity } from './alert.ts';

export const CASE_STATUSES = ['open', 'closed'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

export const RESOLUTIONS = ['true_positive', 'false_positive', 'benign_positive', 'duplicate'] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

export interface CaseSummary {
  id: string;
  title: string;
  description: string | null;
  status: CaseStatus;
  severity: Severity;
  priority: number;
  priorityFactors: { factor: string; points: number; detail: string }[];
  assignee: string | null;
  tags: string[];
  resolution: Resolution | null;
  resolutionNote: string | null;
  alertCount: number;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  lastAlertAt: string;
  /** The case this one was merged into (it was closed as a duplicate then); null otherwise. */
  mergedInto: string | null;
}

export interface CaseObservable extends Observable {
  firstSeen: string;
  lastSeen: string;
}

export interface CaseComment {
  id: string;
  author: string;
  body: string;
  mentions: string[];
  createdAt: string;
}
