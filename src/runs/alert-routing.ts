import type { Alert } from '../core/alert.ts';
import type { CheckedValues, ExpressionScope, PlaybookPlan } from '../core/playbook.ts';
import { ValueBoundsError, checkScopeValue } from '../playbooks/cel-value.ts';

const EMPTY_SCOPE: Omit<ExpressionScope, 'alert'> = { inputs: {}, steps: {}, vars: {}, secrets: {} };

/**
 * Which playbooks an alert starts, in the order given (run order): every plan whose alert trigger
 * matches it; fallback triggers (`triggers: { alert: …, fallback: true }`) only when no other one
 * did. A trigger that fails to evaluate does not match, and is reported.
 *
 * The alert is measured against the value bounds once, whole, instead of by each trigger for each
 * field it reads. An alert over the bounds as a whole is measured read by read as usual, so a trigger
 * that reads only fields within them still matches.
 */
export function routeAlert<T extends { plan: PlaybookPlan }>(
  plans: readonly T[],
  alert: Alert,
  onError: (error: unknown, playbookId: string) => void = () => undefined,
): T[] {
  const scope: ExpressionScope = { ...EMPTY_SCOPE, alert };
  const checked: CheckedValues | undefined = withinBounds(alert) ? new Set([alert]) : undefined;
  const matches = (plan: PlaybookPlan): boolean => {
    if (plan.triggers.alert === null) return false;
    try {
      return plan.triggers.alert.evaluate(scope, checked) === true;
    } catch (error) {
      onError(error, plan.id);
      return false;
    }
  };
  const claimed = plans.filter((p) => p.plan.triggers.fallback !== true && matches(p.plan));
  if (claimed.length > 0) return claimed;
  return plans.filter((p) => p.plan.triggers.fallback === true && matches(p.plan));
}

function withinBounds(value: unknown): boolean {
  try {
    checkScopeValue(value);
    return true;
  } catch (error) {
    if (error instanceof ValueBoundsError) return false;
    throw error;
  }
}
