import { BlockList, isIP } from 'node:net';
import { invalidField } from '../core/riposte-error.ts';
import { isRole, type Role } from '../core/role.ts';
import { CRITICALITIES, type Criticality } from '../cases/priority.ts';

/** Which action calls a rule is about: an action id (`vendor.*` allowed) and/or an effect class. */
export interface ActionMatcher {
  action?: string;
  effect?: 'write' | 'destructive';
}

export interface PolicyRule {
  kind: 'policy';
  name: string;
  match: ActionMatcher;
  /** allow: at once; approval: a person decides first; deny: never automatically. */
  decision: 'allow' | 'approval' | 'deny';
  /** The rule applies only when the target's asset is at least this critical, or carries one of these tags. */
  when?: { criticalityAtLeast?: Criticality; tagsAny?: string[] };
  approval?: { role: Role; quorum: number; expiresInSeconds: number; onExpiry: 'deny' | 'escalate' };
}

export interface ProtectedRule {
  kind: 'protected';
  /** `user`, `host`, `ipv4`, … or `any`. */
  type: string;
  /** Exact value (case-insensitive), a `*` glob for names, or a CIDR for addresses. */
  value: string;
  reason: string;
}

export interface LimitRule {
  kind: 'limit';
  name: string;
  match: ActionMatcher;
  max: number;
  windowSeconds: number;
  scope: 'global' | 'playbook';
}

export interface CooldownRule {
  kind: 'cooldown';
  name: string;
  match: ActionMatcher;
  seconds: number;
}

export type ResponseRule = PolicyRule | ProtectedRule | LimitRule | CooldownRule;

export function matches(matcher: ActionMatcher, action: string, effect: string): boolean {
  if (matcher.effect && matcher.effect !== effect) return false;
  if (!matcher.action) return true;
  if (matcher.action.endsWith('.*')) return action.startsWith(matcher.action.slice(0, -1));
  return matcher.action === action;
}

/** Whether a protected-entity rule covers a target. */
export function protects(rule: ProtectedRule, target: { type: string; value: string }): boolean {
  if (rule.type !== 'any' && rule.type !== target.type) return false;
  const value = target.value.toLowerCase();
  const pattern = rule.value.toLowerCase();
  if (pattern.includes('/') && isIP(value)) {
    const [network, prefix] = pattern.split('/');
    const family = isIP(network!);
    if (family === 0 || family !== isIP(value)) return false;
    const list = new BlockList();
    list.addSubnet(network!, Number(prefix), family === 4 ? 'ipv4' : 'ipv6');
    return list.check(value, family === 4 ? 'ipv4' : 'ipv6');
  }
  if (pattern.includes('*')) {
    const regex = new RegExp(
      `^${pattern
        .split('*')
        .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
    );
    return regex.test(value);
  }
  return pattern === value;
}

function str(value: unknown, path: string, max = 200): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > max)
    throw invalidField(path, `${path.slice(1)} must be a non-empty string`);
  return value;
}

function matcher(value: unknown): ActionMatcher {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object') throw invalidField('/match', 'match must be an object');
  const m = value as Record<string, unknown>;
  const out: ActionMatcher = {};
  if (m['action'] !== undefined) {
    const action = str(m['action'], '/match/action');
    if (!/^[a-z][a-z0-9_]*\.(\*|[a-z][a-z0-9_]*)$/.test(action))
      throw invalidField('/match/action', 'match.action is vendor.action or vendor.*');
    out.action = action;
  }
  if (m['effect'] !== undefined) {
    if (m['effect'] !== 'write' && m['effect'] !== 'destructive')
      throw invalidField('/match/effect', 'match.effect is write or destructive');
    out.effect = m['effect'];
  }
  return out;
}

function positive(value: unknown, path: string, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max)
    throw invalidField(path, `${path.slice(1)} must be an integer from 1 to ${max}`);
  return value;
}

/** Validates a rule from the API; errors name the field. */
export function parseRule(body: unknown): ResponseRule {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw invalidField('/', 'a rule is an object');
  const r = body as Record<string, unknown>;
  switch (r['kind']) {
    case 'policy': {
      const decision = r['decision'];
      if (decision !== 'allow' && decision !== 'approval' && decision !== 'deny')
        throw invalidField('/decision', 'decision is allow, approval or deny');
      const rule: PolicyRule = {
        kind: 'policy',
        name: str(r['name'], '/name'),
        match: matcher(r['match']),
        decision,
      };
      const when = r['when'] as Record<string, unknown> | undefined;
      if (when !== undefined) {
        rule.when = {};
        if (when['criticalityAtLeast'] !== undefined) {
          if (!(CRITICALITIES as readonly unknown[]).includes(when['criticalityAtLeast']))
            throw invalidField(
              '/when/criticalityAtLeast',
              `criticalityAtLeast is one of ${CRITICALITIES.join(', ')}`,
            );
          rule.when.criticalityAtLeast = when['criticalityAtLeast'] as Criticality;
        }
        if (when['tagsAny'] !== undefined) {
          if (!Array.isArray(when['tagsAny']) || when['tagsAny'].some((t) => typeof t !== 'string'))
            throw invalidField('/when/tagsAny', 'tagsAny is a list of tags');
          rule.when.tagsAny = when['tagsAny'] as string[];
        }
      }
      if (decision === 'approval') {
        const a = (r['approval'] ?? {}) as Record<string, unknown>;
        const role = a['role'] ?? 'manager';
        if (typeof role !== 'string' || !isRole(role))
          throw invalidField('/approval/role', 'approval.role is a role');
        rule.approval = {
          role,
          quorum: a['quorum'] === undefined ? 1 : positive(a['quorum'], '/approval/quorum', 20),
          expiresInSeconds:
            a['expiresInSeconds'] === undefined
              ? 3600
              : positive(a['expiresInSeconds'], '/approval/expiresInSeconds', 30 * 86400),
          onExpiry: a['onExpiry'] === 'escalate' ? 'escalate' : 'deny',
        };
      }
      return rule;
    }
    case 'protected':
      return {
        kind: 'protected',
        type: str(r['type'], '/type', 40),
        value: str(r['value'], '/value'),
        reason: str(r['reason'], '/reason', 500),
      };
    case 'limit': {
      const scope = r['scope'] ?? 'global';
      if (scope !== 'global' && scope !== 'playbook')
        throw invalidField('/scope', 'scope is global or playbook');
      return {
        kind: 'limit',
        name: str(r['name'], '/name'),
        match: matcher(r['match']),
        max: positive(r['max'], '/max', 1_000_000),
        windowSeconds: positive(r['windowSeconds'], '/windowSeconds', 30 * 86400),
        scope,
      };
    }
    case 'cooldown':
      return {
        kind: 'cooldown',
        name: str(r['name'], '/name'),
        match: matcher(r['match']),
        seconds: positive(r['seconds'], '/seconds', 30 * 86400),
      };
    default:
      throw invalidField('/kind', 'kind is policy, protected, limit or cooldown');
  }
}
