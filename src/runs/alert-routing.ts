import type { Alert } from '../core/alert.ts';
import type { CheckedValues, CompiledExpression, ExpressionScope, PlaybookPlan } from '../core/playbook.ts';
import { checkedAlert, triggerScope } from '../ingest/trigger-answers.ts';

/**
 * Which playbooks an alert starts, in the order given (run order): every plan whose alert trigger
 * matches it; fallback triggers (`triggers: { alert: …, fallback: true }`) only when no other one
 * did. A trigger that fails to evaluate does not match, and is reported.
 *
 * `answered` gives a trigger's answer when it is known already (an ingest thread evaluated it:
 * src/ingest/trigger-answers.ts); `alert` may be a function, called once if a trigger is evaluated
 * here. The alert is measured against the value bounds once, whole, for all the triggers evaluated.
 */
export function routeAlert<T extends { plan: PlaybookPlan }>(
  plans: readonly T[],
  alert: Alert | (() => Alert),
  onError: (error: unknown, playbookId: string) => void = () => undefined,
  answered: (trigger: CompiledExpression) => boolean | undefined = () => undefined,
): T[] {
  let here: { scope: ExpressionScope; checked: CheckedValues | undefined } | undefined;
  const matches = (plan: PlaybookPlan): boolean => {
    const trigger = plan.triggers.alert;
    if (trigger === null) return false;
    const known = answered(trigger);
    if (known !== undefined) return known;
    if (here === undefined) {
      const value = typeof alert === 'function' ? alert() : alert;
      here = { scope: triggerScope(value), checked: checkedAlert(value) };
    }
    try {
      return trigger.evaluate(here.scope, here.checked) === true;
    } catch (error) {
      onError(error, plan.id);
      return false;
    }
  };
  const claimed = plans.filter((p) => p.plan.triggers.fallback !== true && matches(p.plan));
  if (claimed.length > 0) return claimed;
  return plans.filter((p) => p.plan.triggers.fallback === true && matches(p.plan));
}
