/** What the case routes answer (src/cases/case-service.ts and friends), as the console reads it. */

export type SlaState = 'ok' | 'at_risk' | 'breached' | 'met';

export interface SlaClock {
  state: SlaState;
  targetSeconds: number;
  dueAt: string;
  doneAt: string | null;
}

export interface CaseSla {
  state: SlaState;
  acknowledge: SlaClock;
  /** Present when the severity's target has a time to contain. */
  contain?: SlaClock;
  resolve: SlaClock;
}

export interface PriorityFactor {
  factor: string;
  points: number;
  detail: string;
}

export interface CaseItem {
  id: string;
  title: string;
  description: string | null;
  status: 'open' | 'closed';
  severity: string;
  priority: number;
  priorityFactors: PriorityFactor[];
  assignee: string | null;
  tags: string[];
  resolution: string | null;
  resolutionNote: string | null;
  alertCount: number;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  lastAlertAt: string;
  acknowledgedAt: string | null;
  containedAt: string | null;
  sla: CaseSla | null;
  /** The case this one was merged into; null otherwise. */
  mergedInto: string | null;
}

export interface CaseAlert {
  id: string;
  title: string;
  severity: string;
  status: string;
  source: string;
  rule: { id?: string; name?: string } | null;
  eventTime: string;
  count: number;
}

export interface CaseObservable {
  type: string;
  value: string;
  role?: string;
  firstSeen: string;
  lastSeen: string;
}

export interface Enrichment {
  type: string;
  value: string;
  verdict: string;
  score: number | null;
  sources: {
    provider: string;
    verdict: string;
    score: number | null;
    summary: string | null;
    action: string;
    at: string;
  }[];
}

export interface CaseComment {
  id: string;
  author: string;
  body: string;
  mentions: string[];
  createdAt: string;
}

export interface CaseDetail extends CaseItem {
  alerts: CaseAlert[];
  /** The first 200 by type and value; the rest page through /api/v1/cases/{id}/observables. */
  observables: CaseObservable[];
  observableCount: number;
  observablesNextCursor: string | null;
  /** The newest 100, oldest first; older ones page through /api/v1/cases/{id}/comments. */
  comments: CaseComment[];
  commentCount: number;
  olderCommentsCursor: string | null;
  enrichment: Enrichment[];
  /** The cases merged into this one, newest first. */
  mergedCases: { id: string; title: string; closedAt: string | null }[];
}

export interface AuditRecord {
  seq: number;
  at: string;
  actor: string;
  actorType: string;
  action: string;
  targetType: string | null;
  targetId: string | null;
  details: Record<string, unknown>;
}

export interface StepFailure {
  kind: string;
  message: string;
  [key: string]: unknown;
}

export interface StepState {
  key: string;
  stepId: string;
  status: string;
  attempt: number;
  input?: unknown;
  output?: unknown;
  error?: StepFailure;
  attempts?: { attempt: number; error: StepFailure; at: string }[];
  startedAt?: string;
  finishedAt?: string;
  timerAt?: string;
}

export interface RunSummary {
  id: string;
  playbookId: string;
  playbookVersion: number;
  status: string;
  alertId: string | null;
  caseId: string | null;
  startedBy: string;
  dryRun: boolean;
  error: StepFailure | null;
  startedAt: string;
  finishedAt: string | null;
}

export interface RunDetail extends RunSummary {
  steps: StepState[];
}

export interface FormField {
  id: string;
  label: string;
  type: 'string' | 'text' | 'number' | 'boolean' | 'choice';
  required?: boolean;
  options?: string[];
}

export interface TaskItem {
  id: string;
  kind: 'task' | 'approval';
  status: string;
  title: string;
  description: string | null;
  runId: string;
  stepKey: string;
  playbookId: string;
  assignee: { role?: string; user?: string };
  spec: {
    choices?: string[] | null;
    form?: FormField[] | null;
    quorum?: number;
    expiresAt?: string | null;
  };
  decisions: { by: string; decision: string; reason: string | null; at: string }[];
  outcome: string | null;
  output: unknown;
  createdAt: string;
  expiresAt: string | null;
}

export interface LedgerEntry {
  id: string;
  runId: string;
  stepKey: string;
  playbookId: string;
  action: string;
  effect: string;
  target: { type: string; value: string } | null;
  inverse: { action: string } | null;
  status: string;
  appliedAt: string;
  expiresAt: string | null;
  undoneAt: string | null;
  undoneBy: string | null;
  undoError: string | null;
}

export interface UndoResult {
  id: string;
  action: string;
  target: { type: string; value: string } | null;
  outcome: string;
  detail: string | null;
}

export interface Person {
  username: string;
  role: string;
}

export const RESOLUTIONS = ['true_positive', 'false_positive', 'benign_positive', 'duplicate'] as const;
export const CASE_SEVERITIES = ['critical', 'high', 'medium', 'low', 'informational', 'unknown'] as const;

export function label(value: string): string {
  return value.replace(/_/g, ' ');
}
