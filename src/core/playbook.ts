/**
 * The compiled playbook: what `playbooks/compile-playbook.ts` makes of a validated YAML document and
 * what the engine walks. Expressions and templates arrive compiled (parsed once per playbook version).
 */

/** What expressions can read. `steps.<id>` holds the step's latest output, status and error. */
export interface ExpressionScope {
  alert?: unknown;
  case?: unknown;
  inputs: Record<string, unknown>;
  steps: Record<string, { status: string; output?: unknown; error?: unknown }>;
  vars: Record<string, unknown>;
  secrets: Record<string, string>;
  /** Only inside a for_each body. */
  item?: unknown;
  index?: number;
  /** Only in `wait: { event }` match expressions and triggers: the event's payload. */
  event?: unknown;
}

/** A compiled `${{ … }}` expression. `evaluate` throws an ExpressionError on failure or when a bound is hit. */
export interface CompiledExpression {
  readonly source: string;
  /**
   * `measured`: values already measured against the value bounds and within them. Expressions
   * evaluated one after another against the same unchanged scope can share one (routing matches an
   * alert against every trigger): each value is measured once, and the evaluation adds the ones it
   * measures.
   */
  evaluate(scope: ExpressionScope, measured?: MeasuredValues): unknown;
}

/** Scope values known to be within the value bounds, with how many values each holds (see `CompiledExpression.evaluate`). */
export type MeasuredValues = Map<unknown, number>;

/**
 * A compiled value that may hold expressions: a literal, a whole-value expression (keeps its type),
 * an interpolated string, or an object/list of those. JSON-safe values come out (CEL ints as numbers).
 */
export interface ValueTemplate {
  evaluate(scope: ExpressionScope): unknown;
  /** True when any expression in it reads `secrets` (its evaluated value must be redacted before storing). */
  readonly readsSecrets: boolean;
}

export interface SourcePosition {
  line: number;
  column: number;
}

export interface RetryPolicy {
  /** Total attempts including the first (1 = no retry). */
  attempts: number;
  /** Delay before the 2nd attempt. */
  backoffMs: number;
  /** Multiplier for each later attempt. */
  factor: number;
  maxDelayMs: number;
  /** Full jitter: the delay is drawn uniformly from [delay/2, delay]. */
  jitter: boolean;
}

export const ACTION_EFFECTS = ['read', 'write', 'destructive'] as const;
export type ActionEffect = (typeof ACTION_EFFECTS)[number];

export const STEP_KINDS = [
  'action',
  'if',
  'switch',
  'for_each',
  'parallel',
  'playbook',
  'set',
  'wait',
  'task',
  'approval',
  'end',
  'fail',
] as const;
export type StepKind = (typeof STEP_KINDS)[number];

interface StepBase {
  id: string;
  /** Id of the block this step belongs to (`main`, `<forEachId>.do`, `<parallelId>.<branchIndex>`). */
  block: string;
  /** Where control goes after success: an explicit `next:` or the following step in the block; null ends the block. */
  next: string | null;
  /** Step to go to when this step fails (after its retries); null: the failure propagates. */
  onError: string | null;
  /** On failure (after retries), record it and continue with `next`. */
  continueOnError: boolean;
  retry: RetryPolicy | null;
  timeoutMs: number | null;
  position: SourcePosition;
  /**
   * The RE&CT response action the step carries out (`RA3101`): written as `react:` on the step, or,
   * for an action step without one, the action's own.
   */
  react?: string;
}

export interface ActionStep extends StepBase {
  kind: 'action';
  uses: string;
  effect: ActionEffect;
  with: ValueTemplate;
}

export interface IfStep extends StepBase {
  kind: 'if';
  condition: CompiledExpression;
  /** Null means "the following step" was not given and the block ends (resolved by the compiler like `next`). */
  then: string | null;
  else: string | null;
}

export interface SwitchStep extends StepBase {
  kind: 'switch';
  value: CompiledExpression;
  /** Matched in order by string equality of the value. */
  cases: { match: string; next: string | null }[];
  default: string | null;
}

export interface Block {
  id: string;
  /** First step of the block; null for an empty block. */
  entry: string | null;
  /** Step ids in document order. */
  steps: string[];
}

export interface ForEachStep extends StepBase {
  kind: 'for_each';
  items: CompiledExpression;
  concurrency: number;
  /** A list longer than this fails the step (bounds error). */
  maxItems: number;
  body: Block;
}

export interface ParallelStep extends StepBase {
  kind: 'parallel';
  branches: Block[];
  join: 'all' | 'any';
}

export interface SubPlaybookStep extends StepBase {
  kind: 'playbook';
  playbook: string;
  with: ValueTemplate;
}

export interface SetStep extends StepBase {
  kind: 'set';
  values: Record<string, ValueTemplate>;
}

export type WaitSpec =
  | { mode: 'delay'; delayMs: number }
  | { mode: 'until'; condition: CompiledExpression; pollMs: number; timeoutMs: number }
  | { mode: 'event'; name: string; match: CompiledExpression | null; timeoutMs: number };

export interface WaitStep extends StepBase {
  kind: 'wait';
  wait: WaitSpec;
}

/** Who a task or approval is for. */
export interface Assignee {
  role?: string;
  user?: string;
}

export interface FormField {
  id: string;
  label: string;
  type: 'string' | 'text' | 'number' | 'boolean' | 'choice';
  required: boolean;
  options?: string[];
}

export interface TaskStep extends StepBase {
  kind: 'task';
  title: ValueTemplate;
  description: ValueTemplate | null;
  assignee: Assignee;
  /** Exactly one of choices or form. The answer becomes the step's output: `{ choice }` or `{ <fieldId>: value }`. */
  choices: string[] | null;
  form: FormField[] | null;
  expiresInMs: number | null;
  /** What an expired task does: fail the step (its error path applies) or take a default choice. */
  onExpiry: { outcome: 'fail' } | { outcome: 'choose'; choice: string };
  remindEveryMs: number | null;
}

export interface ApprovalStep extends StepBase {
  kind: 'approval';
  title: ValueTemplate;
  description: ValueTemplate | null;
  approvers: Assignee;
  quorum: number;
  /** Whoever started the run, or the same person twice, does not count towards the quorum. */
  separationOfDuties: boolean;
  expiresInMs: number;
  onExpiry: 'deny' | 'escalate';
  escalateTo: Assignee | null;
  remindEveryMs: number | null;
  /** Step to go to when denied; null: the run fails with a `denied` error (or the step's onError applies). */
  onDeny: string | null;
}

export interface EndStep extends StepBase {
  kind: 'end';
}

export interface FailStep extends StepBase {
  kind: 'fail';
  message: ValueTemplate;
}

export type PlaybookStep =
  | ActionStep
  | IfStep
  | SwitchStep
  | ForEachStep
  | ParallelStep
  | SubPlaybookStep
  | SetStep
  | WaitStep
  | TaskStep
  | ApprovalStep
  | EndStep
  | FailStep;

export interface PlaybookInput {
  type: 'string' | 'number' | 'boolean' | 'object' | 'list' | 'any';
  required: boolean;
  default?: unknown;
  description?: string;
}

export const CASE_EVENTS = ['created', 'severity_changed', 'closed'] as const;
export type CaseEvent = (typeof CASE_EVENTS)[number];

export interface PlaybookTriggers {
  /** Runs on each new alert for which this is true (evaluated with `alert` in scope). */
  alert: CompiledExpression | null;
  case: CaseEvent[];
  /** 5-field cron expressions, UTC. */
  schedule: string[];
  manual: boolean;
  /**
   * The alert trigger is a fallback: it fires only for an alert that no other enabled playbook's
   * (non-fallback) alert trigger matched. Absent means false.
   */
  fallback?: boolean;
}

export interface PlaybookPlan {
  /** Lowercase snake slug. */
  id: string;
  name: string;
  description: string;
  /** Lower runs first when several playbooks match the same alert. */
  order: number;
  enabled: boolean;
  /** `time_saved`: the analyst time a succeeded run saves, for the metrics; absent when not said. */
  timeSavedMs?: number;
  triggers: PlaybookTriggers;
  inputs: Record<string, PlaybookInput>;
  /** Evaluated when the run succeeds; the run's outputs. */
  outputs: Record<string, ValueTemplate>;
  main: Block;
  /** Every step of the playbook, nested ones included, by id (ids are unique in a playbook). */
  steps: Record<string, PlaybookStep>;
  /** Secret names the playbook reads (so a run fails early if one is missing). */
  secrets: string[];
}
