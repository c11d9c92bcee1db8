import type { PlaybookPlan, PlaybookStep } from '../core/playbook.ts';

/** A playbook drawn as nodes and edges: what the console renders, with run states laid over it. */
export interface PlanGraph {
  nodes: PlanGraphNode[];
  edges: PlanGraphEdge[];
}

export interface PlanGraphNode {
  id: string;
  kind: PlaybookStep['kind'] | 'start';
  /** What the step does, in a few words: the action it uses, the playbook it calls, the task title… */
  label: string;
  /** The block the step is in (`main`, `<forEach>.do`, `<parallel>.<n>`). */
  block: string;
  line: number;
  /** The RE&CT response action the step carries out, when it names one (or its action does). */
  react?: string;
}

export interface PlanGraphEdge {
  from: string;
  to: string;
  /** Why control goes this way: next, then, else, case <value>, default, error, each, branch <n>, denied. */
  label: string;
}

export const START_NODE = '__start';

export function planGraph(plan: PlaybookPlan): PlanGraph {
  const nodes: PlanGraphNode[] = [
    { id: START_NODE, kind: 'start', label: plan.name, block: 'main', line: 1 },
  ];
  const edges: PlanGraphEdge[] = [];
  if (plan.main.entry) edges.push({ from: START_NODE, to: plan.main.entry, label: 'start' });
  for (const step of Object.values(plan.steps)) {
    nodes.push({
      id: step.id,
      kind: step.kind,
      label: labelOf(step),
      block: step.block,
      line: step.position.line,
      ...(step.react === undefined ? {} : { react: step.react }),
    });
    const add = (to: string | null, label: string) => {
      if (to) edges.push({ from: step.id, to, label });
    };
    switch (step.kind) {
      case 'if':
        add(step.then, 'then');
        add(step.else, 'else');
        break;
      case 'switch':
        for (const c of step.cases) add(c.next, `case ${c.match}`);
        add(step.default, 'default');
        break;
      case 'for_each':
        add(step.body.entry, 'each');
        add(step.next, 'next');
        break;
      case 'parallel':
        step.branches.forEach((branch, i) => add(branch.entry, `branch ${i + 1}`));
        add(step.next, 'next');
        break;
      case 'approval':
        add(step.next, 'approved');
        add(step.onDeny, 'denied');
        break;
      case 'end':
      case 'fail':
        break;
      default:
        add(step.next, 'next');
    }
    if (step.kind !== 'end') add(step.onError, 'error');
  }
  return { nodes, edges };
}

function labelOf(step: PlaybookStep): string {
  switch (step.kind) {
    case 'action':
      return step.uses;
    case 'playbook':
      return `playbook ${step.playbook}`;
    case 'if':
      return 'if';
    case 'switch':
      return 'switch';
    case 'for_each':
      return `for each (≤ ${step.concurrency} at once)`;
    case 'parallel':
      return `parallel (join ${step.join})`;
    case 'wait':
      return step.wait.mode === 'delay'
        ? `wait ${Math.round(step.wait.delayMs / 1000)} s`
        : `wait ${step.wait.mode}`;
    case 'task':
      return `task for ${step.assignee.user ?? step.assignee.role ?? 'anyone'}`;
    case 'approval':
      return `approval by ${step.approvers.user ?? step.approvers.role ?? 'anyone'} (${step.quorum})`;
    case 'set':
      return `set ${Object.keys(step.values).join(', ')}`;
    case 'end':
      return 'end';
    case 'fail':
      return 'fail';
  }
}
