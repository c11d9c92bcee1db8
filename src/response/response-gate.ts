import type { Kysely } from 'kysely';
import type { AuditLog } from '../audit/audit-log.ts';
import type { ActionDefinition } from '../core/action.ts';
import { nowDate, nowIso, nowMs } from '../core/clock.ts';
import { newId } from '../core/ids.ts';
import type { StepFailure } from '../engine/engine-types.ts';
import { CRITICALITIES, type Criticality } from '../cases/priority.ts';
import type { DatabaseSchema } from '../store/schema.ts';
import type { Applications, Attempt, ResponseStore } from './response-store.ts';
import { matches, protects, type PolicyRule, type ResponseRule } from './response-rules.ts';

/** What the gate needs to know about one action attempt. */
export interface GateRequest {
  runId: string;
  stepKey: string;
  idempotencyKey: string;
  input: Record<string, unknown>;
}

export type GateDecision =
  | { proceed: true }
  /** The step fails with this reason. */
  | { proceed: false; refuse: StepFailure }
  /** Not now: the kill switch holds it, or a person must approve it first. It is tried again later. */
  | { proceed: false; wait: string };

interface RunFacts {
  playbookId: string;
  caseId: string | null;
  alertId: string | null;
  startedBy: string;
}

/** An admin's override covers every later attempt of the step. */
const overrideKey = (runId: string, stepKey: string) => `override:${runId}:${stepKey}`;

const refuse = (rule: string, message: string): GateDecision => ({
  proceed: false,
  refuse: { kind: 'policy', message, rule },
});

/**
 * Decides whether a side-effecting action attempt may run now: the kill switch, protected entities,
 * blast-radius limits, per-target cool-downs and approval policies, in that order. Holds and
 * approvals are remembered per attempt (its idempotency key), so a crash or a restart does not ask
 * twice, and every refusal names the rule.
 */
export class ResponseGate {
  readonly #db: Kysely<DatabaseSchema>;
  readonly #store: ResponseStore;
  readonly #audit: AuditLog;

  readonly #onApprovalOpened: (taskId: string) => void;

  constructor(
    db: Kysely<DatabaseSchema>,
    store: ResponseStore,
    audit: AuditLog,
    onApprovalOpened: (taskId: string) => void = () => undefined,
  ) {
    this.#db = db;
    this.#store = store;
    this.#audit = audit;
    this.#onApprovalOpened = onApprovalOpened;
  }

  async check(request: GateRequest, action: ActionDefinition): Promise<GateDecision> {
    if (action.effect === 'read') return { proceed: true };
    // This attempt's own gate and the step's override, in one read.
    const rows = await this.#db
      .selectFrom('policy_gates')
      .selectAll()
      .where('idempotency_key', 'in', [request.idempotencyKey, overrideKey(request.runId, request.stepKey)])
      .execute();
    const gate = rows.find((r) => r.idempotency_key === request.idempotencyKey);
    const override = rows.find((r) => r.idempotency_key !== request.idempotencyKey);
    const overridden = gate?.state === 'overridden' || override?.state === 'overridden';
    if (gate?.state === 'awaiting_approval' && gate.task_id) {
      const task = await this.#db
        .selectFrom('tasks')
        .select(['status', 'outcome'])
        .where('id', '=', gate.task_id)
        .executeTakeFirst();
      if (task?.status === 'open') return { proceed: false, wait: gate.reason };
      if (task?.outcome === 'approved') {
        await this.#setGate(request, 'approved', gate.reason, gate.task_id);
        gate.state = 'approved';
      } else {
        await this.#setGate(request, 'denied', gate.reason, gate.task_id);
        return refuse(
          'approval',
          `${gate.reason}: ${task?.outcome === 'expired' ? 'the approval expired' : 'denied'}`,
        );
      }
    }
    if (gate?.state === 'denied') return refuse('approval', `${gate.reason}: denied`);
    const target = action.target?.(request.input) ?? null;
    const shown = target ? `${target.type} ${target.value}` : 'its target';
    if (action.effect === 'destructive') {
      const kill = await this.#store.killSwitch();
      if (kill.engaged) {
        const reason = `held by the kill switch${kill.reason ? ` (${kill.reason})` : ''}`;
        if (gate?.state !== 'held') {
          await this.#setGate(request, 'held', reason, null);
          await this.#log(request, action, 'response.held', reason);
        }
        return { proceed: false, wait: reason };
      }
    }
    const rules = await this.#store.rules();
    if (target && !overridden) {
      const protectedBy = rules.find((r) => r.kind === 'protected' && protects(r, target));
      if (protectedBy && protectedBy.kind === 'protected') {
        const message = `${shown} is protected: ${protectedBy.reason} (an admin may override with a reason)`;
        await this.#log(request, action, 'response.refused', message);
        return refuse('protected', message);
      }
    }
    const facts = await this.#runFacts(request.runId);
    // Limits and cool-downs count applications; the attempt takes its place among them only once it
    // goes ahead (admit with reserve), in the same turn as the count, so racing attempts cannot all
    // take the last place. Before a person is asked, or a policy refuses, the count is only looked at.
    const counted = rules.filter(
      (rule) =>
        (rule.kind === 'limit' || (rule.kind === 'cooldown' && target !== null)) &&
        matches(rule.match, action.id, action.effect),
    );
    const attempt: Attempt = {
      idempotencyKey: request.idempotencyKey,
      runId: request.runId,
      playbookId: facts.playbookId,
      action: action.id,
      effect: action.effect,
      target,
    };
    const admit = async (reserve: boolean): Promise<GateDecision | undefined> => {
      if (counted.length === 0) return undefined;
      const refusal = await this.#store.admit(
        attempt,
        (applications) => countedRefusal(counted, applications, attempt, shown),
        reserve,
      );
      if (!refusal) return undefined;
      await this.#log(request, action, 'response.refused', refusal.message);
      return refuse(refusal.rule, refusal.message);
    };
    if (gate?.state === 'approved' || overridden) return (await admit(true)) ?? { proceed: true };
    const policy = await this.#policyFor(rules, action, target);
    if (!policy || policy.decision === 'allow') return (await admit(true)) ?? { proceed: true };
    const refused = await admit(false);
    if (refused) return refused;
    if (policy.decision === 'deny') {
      const message = `policy "${policy.name}" does not allow ${action.id} on ${shown} automatically`;
      await this.#log(request, action, 'response.refused', message);
      return refuse('policy', message);
    }
    const reason = `policy "${policy.name}" requires approval for ${action.id} on ${shown}`;
    const taskId = await this.#openApproval(request, action, policy, facts, target);
    await this.#setGate(request, 'awaiting_approval', reason, taskId);
    await this.#log(request, action, 'response.approval_requested', reason);
    this.#onApprovalOpened(taskId);
    return { proceed: false, wait: reason };
  }

  /** Lets a refused protected-entity action run: an admin's decision, with a reason, audited. */
  async override(runId: string, stepKey: string, reason: string, by: string): Promise<void> {
    const request = { runId, stepKey, idempotencyKey: overrideKey(runId, stepKey), input: {} };
    await this.#setGate(request, 'overridden', `overridden by ${by}: ${reason}`, null);
  }

  async gatesOf(runId: string) {
    return this.#db
      .selectFrom('policy_gates')
      .selectAll()
      .where('run_id', '=', runId)
      .orderBy('created_at')
      .execute();
  }

  async #policyFor(
    rules: Awaited<ReturnType<ResponseStore['rules']>>,
    action: ActionDefinition,
    target: { type: string; value: string } | null,
  ): Promise<(PolicyRule & { id?: string }) | undefined> {
    const asset =
      target && ['host', 'ipv4', 'ipv6'].includes(target.type)
        ? await this.#db
            .selectFrom('assets')
            .select(['criticality', 'tags'])
            .where('type', '=', target.type)
            .where('value', '=', target.value.toLowerCase())
            .executeTakeFirst()
        : undefined;
    for (const rule of rules) {
      if (rule.kind !== 'policy' || !matches(rule.match, action.id, action.effect)) continue;
      const when = rule.when;
      if (when?.criticalityAtLeast) {
        const level = asset ? CRITICALITIES.indexOf(asset.criticality as Criticality) : -1;
        if (level < CRITICALITIES.indexOf(when.criticalityAtLeast)) continue;
      }
      if (when?.tagsAny) {
        const tags = asset ? (JSON.parse(asset.tags) as string[]) : [];
        if (!when.tagsAny.some((t) => tags.includes(t))) continue;
      }
      return rule;
    }
    return undefined;
  }

  async #openApproval(
    request: GateRequest,
    action: ActionDefinition,
    policy: PolicyRule & { id?: string },
    facts: RunFacts,
    target: { type: string; value: string } | null,
  ): Promise<string> {
    const shown = target ? `${target.type} ${target.value}` : 'its target';
    const approval = policy.approval ?? {
      role: 'manager',
      quorum: 1,
      expiresInSeconds: 3600,
      onExpiry: 'deny' as const,
    };
    const now = nowDate();
    const id = newId('task_');
    const title = `Approve ${action.id} on ${shown}`;
    await this.#db
      .insertInto('tasks')
      .values({
        id,
        run_id: request.runId,
        step_key: request.stepKey,
        kind: 'approval',
        status: 'open',
        title,
        description: `Required by policy "${policy.name}".`,
        spec: JSON.stringify({
          kind: 'approval',
          title,
          description: `Required by policy "${policy.name}".`,
          approvers: { role: approval.role },
          quorum: approval.quorum,
          separationOfDuties: true,
          expiresAt: new Date(now.getTime() + approval.expiresInSeconds * 1000).toISOString(),
          onExpiry: approval.onExpiry,
          escalateTo: approval.onExpiry === 'escalate' ? { role: 'admin' } : null,
          remindEveryMs: null,
          policy: policy.name,
          action: action.id,
          target: shown,
          // What the approvals inbox shows: the structured target and the rule that asked.
          targetRef: target,
          effect: action.effect,
          ruleId: policy.id ?? null,
        }),
        assignee_role: approval.role,
        assignee_user: null,
        playbook_id: facts.playbookId,
        run_started_by: facts.startedBy,
        alert_id: facts.alertId,
        case_id: facts.caseId,
        decisions: '[]',
        outcome: null,
        output: null,
        escalated: 0,
        created_at: now.toISOString(),
        expires_at: new Date(now.getTime() + approval.expiresInSeconds * 1000).toISOString(),
        remind_at: null,
        completed_at: null,
      })
      .execute();
    return id;
  }

  async #runFacts(runId: string): Promise<RunFacts> {
    const run = await this.#db
      .selectFrom('runs')
      .select(['playbook_id', 'case_id', 'alert_id', 'started_by'])
      .where('id', '=', runId)
      .executeTakeFirst();
    return {
      playbookId: run?.playbook_id ?? 'unknown',
      caseId: run?.case_id ?? null,
      alertId: run?.alert_id ?? null,
      startedBy: run?.started_by ?? 'unknown',
    };
  }

  async #setGate(request: GateRequest, state: string, reason: string, taskId: string | null): Promise<void> {
    const row = {
      idempotency_key: request.idempotencyKey,
      run_id: request.runId,
      step_key: request.stepKey,
      task_id: taskId,
      state,
      reason,
      created_at: nowIso(),
    };
    await this.#db
      .insertInto('policy_gates')
      .values(row)
      .onConflict((oc) => oc.column('idempotency_key').doUpdateSet({ state, reason, task_id: taskId }))
      .execute();
  }

  async #log(request: GateRequest, action: ActionDefinition, what: string, reason: string): Promise<void> {
    await this.#audit.write(this.#db, [
      {
        actor: { id: `run:${request.runId}`, type: 'system' },
        action: what,
        targetType: 'run',
        targetId: request.runId,
        details: { stepKey: request.stepKey, action: action.id, reason },
      },
    ]);
  }
}

/** The first limit or cool-down that refuses the attempt, given the applications they count. */
async function countedRefusal(
  rules: readonly ResponseRule[],
  applications: Applications,
  attempt: Attempt,
  shown: string,
): Promise<{ rule: 'limit' | 'cooldown'; message: string } | undefined> {
  const now = nowMs();
  for (const rule of rules) {
    if (rule.kind === 'limit') {
      const since = new Date(now - rule.windowSeconds * 1000).toISOString();
      const scoped = rule.scope === 'playbook';
      const count = await applications.countSince(rule.match, since, scoped ? attempt.playbookId : undefined);
      if (count >= rule.max)
        return {
          rule: 'limit',
          message: `blast-radius limit "${rule.name}": ${count} of at most ${rule.max} in ${rule.windowSeconds} s${scoped ? ` for playbook ${attempt.playbookId}` : ''}`,
        };
    }
    if (rule.kind === 'cooldown' && attempt.target) {
      const last = await applications.lastOn(attempt.action, attempt.target);
      if (last && now - Date.parse(last) < rule.seconds * 1000)
        return {
          rule: 'cooldown',
          message: `cool-down "${rule.name}": ${attempt.action} on ${shown} at ${last}, less than ${rule.seconds} s ago`,
        };
    }
  }
  return undefined;
}
