/** What compiling one playbook accumulates while it walks the document. */
import type { ActionCatalog } from '../core/action.ts';
import type { PlaybookStep } from '../core/playbook.ts';
import type { IssueCollector } from './issue-collector.ts';

/** A step id written in a routing key (`next`, `then`, `cases.x`, `on_error`, …). */
export interface StepReference {
  from: string;
  block: string;
  target: string;
  offset: number;
  path: string;
}

/** Where a block is, so control-flow checks can report on its steps. */
export interface BlockInfo {
  id: string;
  steps: string[];
}

export interface CompileContext {
  text: string;
  issues: IssueCollector;
  catalog: ActionCatalog;
  /** The playbook's own id, when it is valid (to refuse a playbook calling itself). */
  playbookId: string | null;
  steps: Record<string, PlaybookStep>;
  /** First occurrence of each step id. */
  stepIds: Map<string, { offset: number; path: string }>;
  blocks: BlockInfo[];
  references: StepReference[];
  /** Every `steps.<id>` and `inputs.<name>` an expression reads, checked once all are known. */
  namedReads: { root: 'steps' | 'inputs'; name: string; offset: number; path: string }[];
  secrets: Set<string>;
}
