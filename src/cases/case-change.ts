import type { CaseEvent } from '../core/playbook.ts';

/** A change to a case that playbooks can be triggered by. */
export interface CaseChange {
  caseId: string;
  event: CaseEvent;
}
