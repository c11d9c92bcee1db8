import { createHash } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { Actor } from '../audit/audit-log.ts';
import type { ActionDefinition } from '../core/action.ts';
import type { AssetService } from '../assets/asset-service.ts';
import type { CaseService } from '../cases/case-service.ts';

/** What the built-in actions act on. */
export interface BuiltinActionDeps {
  /** Resolved when an action runs, so the catalogue can be built (to validate playbooks) without a database. */
  cases: () => CaseService;
  assets: () => AssetService;
}

const automation = (runId: string): Actor => ({ id: `run:${runId}`, type: 'system' });

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
  ];
}
