import { createHmac } from 'node:crypto';

/**
 * `X-Riposte-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` — what Riposte's ingest
 * endpoint verifies from senders (over the body's bytes as sent), and what its outbound webhook
 * sends, so receivers verify both the same way.
 */
export function signBody(
  secret: string,
  body: string | Uint8Array,
  unixSeconds = Math.floor(Date.now() / 1000),
): string {
  return `t=${unixSeconds},v1=${createHmac('sha256', secret).update(`${unixSeconds}.`).update(body).digest('hex')}`;
}
