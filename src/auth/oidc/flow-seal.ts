import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * What the browser carries between the redirect to the provider and the way back, or a failure the
 * console is to show: sealed (AES-256-GCM, so neither readable nor changeable) with a key every
 * process of the deployment shares (the keyring's `oidc-flow`), and dated.
 */
export type FlowCookie =
  | {
      kind: 'flow';
      state: string;
      nonce: string;
      verifier: string;
      /** The console path to return to after the sign-in. */
      returnTo: string;
      /** Expiry, ms since the epoch. */
      expiresAt: number;
    }
  | { kind: 'failure'; reason: string; detail: string; expiresAt: number };

const CONTEXT = Buffer.from('riposte oidc flow v1');

export function sealFlow(key: Buffer, value: FlowCookie): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(CONTEXT);
  const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64url');
}

/** The sealed value, or undefined when it was not sealed with this key (tampered, forged, another deployment). */
export function openFlow(key: Buffer, sealed: string): FlowCookie | undefined {
  if (!/^[A-Za-z0-9_-]{40,8000}$/.test(sealed)) return undefined;
  const bytes = Buffer.from(sealed, 'base64url');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
    decipher.setAAD(CONTEXT);
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    const plain = Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]);
    const value = JSON.parse(plain.toString('utf8')) as FlowCookie;
    return value.kind === 'flow' || value.kind === 'failure' ? value : undefined;
  } catch {
    return undefined;
  }
}
