import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { Type } from '@sinclair/typebox';
import { canonicalEntry } from '../edl/edl-store.ts';
import type { Actor } from '../audit/audit-log.ts';
import type { ActionDefinition } from '../core/action.ts';
import type { AssetService } from '../assets/asset-service.ts';
import type { CaseService } from '../cases/case-service.ts';
import { RELATED_LIMIT_MAX } from '../cases/related-cases.ts';
import type { EdlStore } from '../edl/edl-store.ts';
import { signInRiskAction, type SignInRiskDeps } from './sign-in-risk-action.ts';
import { indicatorLookupAction, type IndicatorLookupDeps } from './indicator-lookup-action.ts';
import { alertActions } from './alert-actions.ts';
import type { AlertSearch } from '../ingest/alert-search.ts';

/** What the built-in actions act on. */
export interface BuiltinActionDeps extends SignInRiskDeps, IndicatorLookupDeps {
  /** Resolved when an action runs, so the catalogue can be built (to validate playbooks) without a database. */
  cases: () => CaseService;
  assets: () => AssetService;
  edl: () => EdlStore;
  /** Stored alerts: search by observable, e-mail analysis (`riposte.search_alerts`, `riposte.analyze_email`). */
  alerts: () => AlertSearch;
}

const automation = (runId: string): Actor => ({ id: `run:${runId}`, type: 'system' });

function edlTarget(value: string): { type: string; value: string } {
  const address = value.split('/')[0] ?? '';
  if (isIP(address) === 4) return { type: 'ipv4', value };
  if (isIP(address) === 6) return { type: 'ipv6', value };
  return { type: /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? 'url' : 'domain', value };
}

/** Actions on Riposte itself (cases), plus `core.echo` for trying things out. */
export function builtinActions(deps: BuiltinActionDeps): ActionDefinition[] {
  return [
    {
      id: 'core.echo',
      title: 'Echo',
      description: 'Returns its inputs as its output. Handy for trying expressions and for tests.',
      effect: 'read',
      input: Type.Object({}, { additionalProperties: true }),
      timeoutMs: 5_000,
      retry: null,
      run: async (input) => ({ ...input }),
    },
    {
      id: 'riposte.add_case_comment',
      title: 'Comment on a case',
      description: 'Adds a comment to a case. Repeating the same step attempt adds it once.',
      effect: 'write',
      input: Type.Object(
        { case_id: Type.String({ minLength: 1 }), body: Type.String({ minLength: 1, maxLength: 50_000 }) },
        { additionalProperties: false },
      ),
      output: Type.Object({ comment_id: Type.String() }),
      timeoutMs: 10_000,
      retry: { attempts: 3, backoffMs: 500, factor: 2, maxDelayMs: 5_000, jitter: true },
      run: async (input, context) => {
        const commentId = `comment_${createHash('sha256').update(context.idempotencyKey).digest('hex').slice(0, 24)}`;
        const comment = await deps
          .cases()
          .comment(String(input['case_id']), input['body'], automation(context.runId), commentId);
        return { comment_id: comment.id };
      },
    },
    {
      id: 'riposte.update_case',
      title: 'Update a case',
      description: 'Sets the severity, status, resolution, assignee or tags of a case.',
      effect: 'write',
      input: Type.Object(
        {
          case_id: Type.String({ minLength: 1 }),
          severity: Type.Optional(Type.String()),
          status: Type.Optional(Type.String()),
          resolution: Type.Optional(Type.String()),
          resolution_note: Type.Optional(Type.String()),
          assignee: Type.Optional(Type.String()),
          tags: Type.Optional(Type.Array(Type.String())),
        },
        { additionalProperties: false },
      ),
      timeoutMs: 10_000,
      retry: { attempts: 3, backoffMs: 500, factor: 2, maxDelayMs: 5_000, jitter: true },
      run: async (input, context) => {
        const { case_id: caseId, resolution_note: resolutionNote, ...rest } = input;
        const patch = resolutionNote === undefined ? rest : { ...rest, resolutionNote };
        const updated = await deps.cases().update(String(caseId), patch, automation(context.runId));
        return { id: updated.id, status: updated.status, severity: updated.severity, tags: updated.tags };
      },
    },
    {
      id: 'riposte.related_cases',
      title: 'Find related cases',
      description:
        'Other cases that saw the same observables, most alike first, with how they were resolved, and the resolution most of the closed ones got (`suggestion`, or null). See docs/cases.md#related-cases.',
      effect: 'read',
      input: Type.Object(
        {
          case_id: Type.String({ minLength: 1 }),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: RELATED_LIMIT_MAX })),
        },
        { additionalProperties: false },
      ),
      timeoutMs: 10_000,
      retry: { attempts: 3, backoffMs: 500, factor: 2, maxDelayMs: 5_000, jitter: true },
      run: async (input) => {
        const related = await deps.cases().related(String(input['case_id']), { limit: input['limit'] });
        return { ...related };
      },
    },
    {
      id: 'edl.add_entry',
      title: 'Block through an external dynamic list',
      description:
        'Puts an IP, domain or URL on a list Riposte serves to firewalls (PAN-OS, FortiGate …), which block what it holds. With ttl, the entry is taken off when it expires.',
      effect: 'destructive',
      input: Type.Object(
        {
          list: Type.String({ minLength: 1 }),
          value: Type.String({ minLength: 1 }),
          reason: Type.Optional(Type.String()),
          ttl: Type.Optional(Type.Union([Type.String(), Type.Number()])),
        },
        { additionalProperties: false },
      ),
      inverse: 'edl.remove_entry',
      target: (input) => edlTarget(String(input['value'])),
      inverseInput: (input) => ({ list: input['list'], value: input['value'] }),
      alreadyApplied: async (input) => {
        const store = deps.edl();
        const list = await store.list(String(input['list']));
        const value = canonicalEntry(list.type, String(input['value']));
        return value !== null && (await store.has(list.name, value));
      },
      timeoutMs: 10_000,
      retry: null,
      run: async (input, context) => {
        const added = await deps.edl().add(String(input['list']), String(input['value']), {
          expiresAt: null,
          reason: typeof input['reason'] === 'string' ? input['reason'] : null,
          by: `run:${context.runId}`,
        });
        return { list: input['list'], value: added.value, added: !added.existed };
      },
    },
    {
      id: 'edl.remove_entry',
      title: 'Take an entry off an external dynamic list',
      description: 'Unblocks an IP, domain or URL put on a list by edl.add_entry.',
      effect: 'write',
      input: Type.Object(
        { list: Type.String({ minLength: 1 }), value: Type.String({ minLength: 1 }) },
        { additionalProperties: false },
      ),
      target: (input) => edlTarget(String(input['value'])),
      timeoutMs: 10_000,
      retry: null,
      run: async (input) => ({
        list: input['list'],
        value: input['value'],
        removed: await deps.edl().remove(String(input['list']), String(input['value'])),
      }),
    },
    {
      id: 'riposte.lookup_asset',
      title: 'Look up an asset',
      description: 'The inventory entry of a host or address: owner, criticality, tags.',
      effect: 'read',
      input: Type.Object(
        {
          type: Type.Union([Type.Literal('host'), Type.Literal('ipv4'), Type.Literal('ipv6')]),
          value: Type.String({ minLength: 1 }),
        },
        { additionalProperties: false },
      ),
      timeoutMs: 10_000,
      retry: null,
      run: async (input) => {
        const asset = await deps.assets().find(String(input['type']), String(input['value']));
        return asset
          ? { found: true, ...asset }
          : { found: false, type: input['type'], value: input['value'] };
      },
    },
    signInRiskAction(deps),
    indicatorLookupAction(deps),
    ...alertActions(deps.alerts),
  ];
}
