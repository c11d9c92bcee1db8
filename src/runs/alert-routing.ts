import type { Alert } from '../core/alert.ts';
import type { ExpressionScope, PlaybookPlan } from '../core/playbook.ts';

const EMPTY_SCOPE: Omit<ExpressionScope, 'alert'> = { inputs: {}, steps: {}, vars: {}, secrets: {} };

/**
 * Which playbooks an alert starts, in the order given (run order): every plan whose alert trigger
 * matches it; fallback triggers (`triggers: { alert: …, fallback: true }`) only when no other one
 * did. A trigger that fails to evaluate does not match, and is reported.
 */
export function routeAlert<T extends { plan: PlaybookPlan }>(
  plans: readonly T[],
  alert: Alert,
  onError: (error: unknown, playbookId: string) => void = () => undefined,
): T[] {
  const matches = (plan: PlaybookPlan): boolean => {
    if (plan.triggers.alert === null) return false;
    try {
      return plan.triggers.alert.evaluate({ ...EMPTY_SCOPE, alert }) === true;
    } catch (error) {
      onError(error, plan.id);
      return false;
    }
  };
  const claimed = plans.filter((p) => p.plan.triggers.fallback !== true && matches(p.plan));
  if (claimed.length > 0) return claimed;
  return plans.filter((p) => p.plan.triggers.fallback === true && matches(p.plan));
}
