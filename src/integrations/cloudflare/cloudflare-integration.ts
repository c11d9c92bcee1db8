import { Type, type Static } from '@sinclair/typebox';
import { ActionError } from '../../core/action.ts';
import type { IntegrationContext } from '../sdk/integration.ts';
import { defineAction, defineIntegration } from '../sdk/integration.ts';
import { createBlockRule, deleteRule, rulesFor, targetOf } from './cloudflare-access-rules.ts';

const IP = Type.String({
  minLength: 2,
  maxLength: 45,
  pattern: '^[0-9A-Fa-f:.]+$',
  description: 'IPv4 or IPv6 address',
});

export const BlockIpInput = Type.Object(
  {
    ip: IP,
    notes: Type.Optional(
      Type.String({ maxLength: 500, description: 'Shown with the rule in the dashboard' }),
    ),
  },
  { additionalProperties: false },
);
export type BlockIpInput = Static<typeof BlockIpInput>;

export const UnblockIpInput = Type.Object(
  {
    ip: IP,
    ruleId: Type.Optional(
      Type.String({
        pattern: '^[0-9a-f]{32}$',
        description: 'The rule block_ip created; else every block rule for the IP',
      }),
    ),
  },
  { additionalProperties: false },
);
export type UnblockIpInput = Static<typeof UnblockIpInput>;

export const BlockIpOutput = Type.Object({
  ip: Type.String(),
  ruleId: Type.String(),
  /** False when a block rule for the address existed already: nothing was created. */
  created: Type.Boolean(),
});
export type BlockIpOutput = Static<typeof BlockIpOutput>;

export const UnblockIpOutput = Type.Object({
  ip: Type.String(),
  deletedRuleIds: Type.Array(Type.String()),
});

const DEFAULT_NOTES = 'Blocked by Riposte';

/**
 * Blocks unless a block rule exists; a rule for the address in another mode (an allowlist entry) is
 * someone's decision and is not overwritten. A create that races a retry (10009) reads the rule back.
 */
async function blockIp(context: IntegrationContext, input: BlockIpInput): Promise<BlockIpOutput> {
  const ip = input.ip.trim();
  const existing = await rulesFor(context, ip);
  const other = existing.find((r) => r.mode !== 'block');
  if (other)
    throw new ActionError(
      'conflict',
      `Cloudflare already has a "${other.mode}" rule for ${ip} (${other.id}); not replaced`,
      {
        retryable: false,
      },
    );
  const block = existing[0];
  if (block) return { ip, ruleId: block.id, created: false };
  const rule = await createBlockRule(context, ip, input.notes ?? DEFAULT_NOTES);
  if (rule) return { ip, ruleId: rule.id, created: true };
  const raced = (await rulesFor(context, ip)).find((r) => r.mode === 'block');
  if (!raced)
    throw new ActionError(
      'conflict',
      `Cloudflare reports a duplicate rule for ${ip} but lists no block rule`,
      {
        retryable: true,
      },
    );
  return { ip, ruleId: raced.id, created: false };
}

/** Deletes the named rule, or every block rule for the address; allowlist and challenge rules stay. */
async function unblockIp(context: IntegrationContext, input: UnblockIpInput) {
  const ip = input.ip.trim();
  targetOf(ip);
  const ids = input.ruleId
    ? [input.ruleId]
    : (await rulesFor(context, ip)).filter((r) => r.mode === 'block').map((r) => r.id);
  const deleted: string[] = [];
  for (const id of ids) if (await deleteRule(context, id)) deleted.push(id);
  return { ip, deletedRuleIds: deleted };
}

const ipTarget = (input: { ip: string }) => {
  const ip = input.ip.trim();
  return { type: targetOf(ip) === 'ip' ? ('ipv4' as const) : ('ipv6' as const), value: ip };
};

export const cloudflare = defineIntegration({
  id: 'cloudflare',
  name: 'Cloudflare IP Access rules',
  version: '1.0.0',
  categories: ['network', 'response'],
  docs: 'https://developers.cloudflare.com/api/resources/firewall/subresources/access_rules/',
  baseUrl: 'https://api.cloudflare.com/client/v4',
  credentials: [
    {
      name: 'api_token',
      label: 'API token',
      secret: true,
      required: true,
      description: 'A token with Zone → Firewall Services → Edit on the zone.',
    },
    {
      name: 'zone_id',
      label: 'Zone ID',
      secret: false,
      required: true,
      description: 'The zone’s 32-character id',
    },
  ],
  auth: { kind: 'header', header: 'Authorization', field: 'api_token', prefix: 'Bearer ' },
  // Cloudflare's documented global limit: 1,200 requests per five minutes per user.
  rateLimit: { requests: 1200, perSeconds: 300 },
  testConnection: async (context) => {
    await rulesFor(context, '192.0.2.1');
  },
  actions: [
    defineAction({
      name: 'block_ip',
      title: 'Block an IP address',
      description:
        'Adds a zone IP Access rule in block mode; an existing block rule for the address is reused.',
      effect: 'write',
      input: BlockIpInput,
      output: BlockIpOutput,
      react: 'RA3101',
      target: ipTarget,
      inverse: 'unblock_ip',
      // The rule id: the rollback removes this rule, not one someone else made later.
      inverseInput: (input, output) => ({ ip: input.ip.trim(), ruleId: output.ruleId }),
      alreadyApplied: async (input, context) =>
        (await rulesFor(context, input.ip.trim())).some((r) => r.mode === 'block'),
      run: (input, context) => blockIp(context, input),
    }),
    defineAction({
      name: 'unblock_ip',
      title: 'Unblock an IP address',
      description: 'Deletes the zone’s block rule(s) for the address; allow and challenge rules stay.',
      effect: 'write',
      input: UnblockIpInput,
      output: UnblockIpOutput,
      react: 'RA5101',
      target: ipTarget,
      inverse: 'block_ip',
      inverseInput: (input) => ({ ip: input.ip.trim() }),
      alreadyApplied: async (input, context) => {
        const rules = await rulesFor(context, input.ip.trim());
        return input.ruleId
          ? !rules.some((r) => r.id === input.ruleId)
          : !rules.some((r) => r.mode === 'block');
      },
      run: (input, context) => unblockIp(context, input),
    }),
  ],
});
