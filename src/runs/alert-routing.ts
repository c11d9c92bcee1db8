import type { Alert } from '../core/alert.ts';
import type { ExpressionScope, MeasuredValues, PlaybookPlan } from '../core/playbook.ts';

const EMPTY_SCOPE: Omit<ExpressionScope, 'alert'> = { inputs: {}, steps: {}, vars: {}, secrets: {} };

/**
 * Which playbooks an alert starts, in the order given (run order): every plan whose alert trigger
 * matches it; fallback triggers (`triggers: { alert: …, fallback: true }`) only when no other one
 * did. A trigger that fails to evaluate does not match, and is reported.
 *
 * Each field the triggers read is measured against the value bounds once for all of them, not once
 * per trigger that reads it.
 */
export function routeAlert<T extends { plan: PlaybookPlan }>(
  plans: readonly T[],
  alert: Alert,
  onError: (error: unknown, playbookId: string) => void = () => undefined,
): T[] {
  const scope: ExpressionScope = { ...EMPTY_SCOPE, alert };
  const measured: MeasuredValues = new Map();
  const matches = (plan: PlaybookPlan): boolean => {
    if (plan.triggers.alert === null) return false;
    try {
      return plan.triggers.alert.evaluate(scope, measured) === true;
    } catch (error) {
      onError(error, plan.id);
      return false;
    }
  };
  const claimed = plans.filter((p) => p.plan.triggers.fallback !== true && matches(p.plan));
  if (claimed.length > 0) return claimed;
  return plans.filter((p) => p.plan.triggers.fallback === true && matches(p.plan));
}
