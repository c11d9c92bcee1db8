import { createHmac, timingSafeEqual, type KeyObject, createSecretKey } from 'node:crypto';
import { nowMs } from '../core/clock.ts';
import { RiposteError } from '../core/riposte-error.ts';

export interface ApprovalLinkClaims {
  taskId: string;
  /** The approver the link was made for; the decision counts as theirs (quorum, separation of duties). */
  username: string;
  /** Unix seconds. */
  expires: number;
}

/**
 * Signed, expiring approval links: `?u=<username>&e=<unix seconds>&s=<HMAC>` over the task id, the
 * approver and the expiry, keyed from the master key. Opening the link only shows the request; the
 * decision is a POST, so mail scanners that fetch links cannot approve anything.
 */
export class ApprovalLinks {
  readonly #key: KeyObject;
  readonly #baseUrl: string;

  constructor(key: Buffer, baseUrl: string) {
    this.#key = createSecretKey(key);
    this.#baseUrl = baseUrl;
  }

  create(
    taskId: string,
    username: string,
    ttlSeconds: number,
    now = nowMs(),
  ): { url: string; expiresAt: string } {
    const expires = Math.floor(now / 1000) + ttlSeconds;
    const query = new URLSearchParams({
      u: username,
      e: String(expires),
      s: this.#sign({ taskId, username, expires }),
    });
    return {
      url: `${this.#baseUrl}/approvals/${encodeURIComponent(taskId)}?${query.toString()}`,
      expiresAt: new Date(expires * 1000).toISOString(),
    };
  }

  verify(
    taskId: string,
    query: { u?: unknown; e?: unknown; s?: unknown },
    now = nowMs(),
  ): ApprovalLinkClaims {
    const { u, e, s } = query;
    if (typeof u !== 'string' || typeof e !== 'string' || typeof s !== 'string' || !/^\d{1,12}$/.test(e))
      throw new RiposteError(
        'invalid_signature',
        'the approval link is incomplete (u, e and s are required)',
      );
    const claims = { taskId, username: u, expires: Number(e) };
    const expected = Buffer.from(this.#sign(claims), 'hex');
    const given = Buffer.from(s, 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      throw new RiposteError('invalid_signature', 'the approval link signature does not match');
    if (claims.expires * 1000 < now)
      throw new RiposteError('stale_signature', 'the approval link has expired');
    return claims;
  }

  #sign(claims: ApprovalLinkClaims): string {
    return createHmac('sha256', this.#key)
      .update(`${claims.taskId}\n${claims.username}\n${claims.expires}`)
      .digest('hex');
  }
}
