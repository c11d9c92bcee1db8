import { isIP } from 'node:net';
import { ActionError } from '../../core/action.ts';
import type { HttpRequest } from '../sdk/http-client.ts';
import type { IntegrationContext } from '../sdk/integration.ts';

/** A zone's IP Access rule as the API returns it (the fields this connector reads). */
export interface AccessRule {
  id: string;
  mode: string;
  target: string;
  value: string;
  notes: string;
}

interface Envelope {
  success?: unknown;
  errors?: { code?: unknown; message?: unknown }[];
  result?: unknown;
  result_info?: { total_pages?: unknown };
}

/** Cloudflare's code for "an IP Access rule for this value already exists". */
export const DUPLICATE_RULE = 10009;

export function errorsOf(body: Envelope | null): { code: number | null; message: string }[] {
  return (Array.isArray(body?.errors) ? body.errors : []).map((e) => ({
    code: typeof e?.code === 'number' ? e.code : null,
    message: typeof e?.message === 'string' ? e.message : 'no message',
  }));
}

const describe = (body: Envelope | null) =>
  errorsOf(body)
    .map((e) => `${e.code ?? '?'} ${e.message}`)
    .join('; ') || 'no reason given';

/** `ip` for IPv4 and `ip6` for IPv6, as the configuration's target names them. */
export function targetOf(ip: string): 'ip' | 'ip6' {
  const version = isIP(ip);
  if (version === 0)
    throw new ActionError('invalid_input', `"${ip}" is not an IPv4 or IPv6 address`, { retryable: false });
  return version === 4 ? 'ip' : 'ip6';
}

function zonePath(context: IntegrationContext, suffix = ''): string {
  const zone = context.fields['zone_id'];
  if (!zone || !/^[0-9a-f]{32}$/i.test(zone))
    throw new ActionError('not_configured', 'the Cloudflare instance needs its zone_id (32 hex characters)', {
      retryable: false,
    });
  return `/zones/${zone}/firewall/access_rules/rules${suffix}`;
}

/**
 * A request to the zone's access rules, unwrapping Cloudflare's `{success, errors, result}`
 * envelope. Statuses in `accept` come back with their envelope for the caller to read.
 */
async function call(
  context: IntegrationContext,
  request: Omit<HttpRequest, 'path'> & { suffix?: string },
): Promise<{ status: number; body: Envelope }> {
  const { suffix, ...rest } = request;
  const response = await context.http.request({ ...rest, path: zonePath(context, suffix) });
  const body = response.json<Envelope | null>() ?? {};
  if (response.status < 400 && body.success !== true)
    throw new ActionError('invalid_response', `Cloudflare answered without success: ${describe(body)}`, {
      retryable: false,
    });
  return { status: response.status, body };
}

function toRule(raw: unknown): AccessRule | null {
  const r = raw as {
    id?: unknown;
    mode?: unknown;
    notes?: unknown;
    configuration?: { target?: unknown; value?: unknown };
  };
  if (typeof r?.id !== 'string' || typeof r.mode !== 'string') return null;
  return {
    id: r.id,
    mode: r.mode,
    target: String(r.configuration?.target ?? ''),
    value: String(r.configuration?.value ?? ''),
    notes: typeof r.notes === 'string' ? r.notes : '',
  };
}

/** The zone's rules for exactly this address (any mode). */
export async function rulesFor(context: IntegrationContext, ip: string): Promise<AccessRule[]> {
  const { body } = await call(context, {
    query: { 'configuration.target': targetOf(ip), 'configuration.value': ip, per_page: 50 },
  });
  if (!Array.isArray(body.result))
    throw new ActionError('invalid_response', 'Cloudflare listed access rules without a result array', {
      retryable: false,
    });
  return body.result.flatMap((r) => toRule(r) ?? []).filter((r) => r.value === ip);
}

/** Creates a block rule; a duplicate (10009) is answered as null so the caller can look it up. */
export async function createBlockRule(
  context: IntegrationContext,
  ip: string,
  notes: string,
): Promise<AccessRule | null> {
  const { status, body } = await call(context, {
    method: 'POST',
    json: { mode: 'block', configuration: { target: targetOf(ip), value: ip }, notes },
    accept: [400],
  });
  if (status === 400) {
    if (errorsOf(body).some((e) => e.code === DUPLICATE_RULE)) return null;
    throw new ActionError('bad_request', `Cloudflare refused the rule: ${describe(body)}`, {
      retryable: false,
    });
  }
  const rule = toRule(body.result);
  if (!rule)
    throw new ActionError('invalid_response', 'Cloudflare created a rule without an id', {
      retryable: false,
    });
  return rule;
}

/** Deletes a rule; false when Cloudflare no longer has it (already deleted). */
export async function deleteRule(context: IntegrationContext, id: string): Promise<boolean> {
  const { status } = await call(context, {
    method: 'DELETE',
    suffix: `/${encodeURIComponent(id)}`,
    accept: [404],
  });
  return status !== 404;
}
