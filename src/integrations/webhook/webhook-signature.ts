import { createHmac } from 'node:crypto';

/**
 * `X-Riposte-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` — the scheme Riposte's own
 * ingest endpoint verifies (docs/ingest.md), so one Riposte can post to another, and receivers verify
 * both directions the same way. Reimplemented here: an integration imports only the sdk and core.
 */
export function webhookSignature(secret: string, body: string, unixSeconds: number): string {
  const v1 = createHmac('sha256', secret).update(`${unixSeconds}.`).update(body).digest('hex');
  return `t=${unixSeconds},v1=${v1}`;
}
