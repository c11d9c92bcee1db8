import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import type { FakeOidcProvider, Misbehaviour } from './fake-oidc-provider.ts';
import type { Harness } from './harness.ts';

/** `name=value` of a Set-Cookie the answer carries for `name`, or undefined. */
export function setCookie(
  response: LightMyRequestResponse,
  name: string,
): { value: string; attributes: string } | undefined {
  const headers = response.headers['set-cookie'];
  for (const header of Array.isArray(headers) ? headers : headers ? [headers] : []) {
    const [pair, ...rest] = header.split('; ');
    if (pair!.startsWith(`${name}=`))
      return { value: pair!.slice(name.length + 1), attributes: rest.join('; ') };
  }
  return undefined;
}

export interface SignIn {
  /** The callback's answer. */
  answer: LightMyRequestResponse;
  /** The flow cookie and the callback URL, to play them again. */
  flow: string;
  callback: string;
}

/**
 * Riposte → the provider's authorize endpoint (over HTTP) → back to Riposte's callback, as a browser
 * goes. Riposte's public URL (`h.riposte.config.publicUrl`) is the one the provider redirects to.
 */
export async function signIn(
  h: Harness,
  idp: FakeOidcProvider,
  login: string,
  options: {
    misbehave?: Misbehaviour;
    accept?: string;
    returnTo?: string;
    /** Changes the callback URL on its way back (what an attacker in the middle could try). */
    edit?: (url: string) => string;
  } = {},
): Promise<SignIn> {
  const publicUrl = h.riposte.config.publicUrl;
  const start = await h.app.inject({
    method: 'GET',
    url: `/api/v1/session/oidc/login${options.returnTo ? `?returnTo=${encodeURIComponent(options.returnTo)}` : ''}`,
  });
  assert.equal(start.statusCode, 302, start.body);
  const flow = setCookie(start, 'riposte_oidc');
  assert.ok(flow, 'the flow cookie is set');
  idp.loginAs = login;
  idp.next = options.misbehave ?? {};
  const back = await fetch(start.headers.location!, { redirect: 'manual' });
  assert.equal(back.status, 302, await back.text());
  const callback = back.headers.get('location')!;
  assert.ok(callback.startsWith(`${publicUrl}/api/v1/session/oidc/callback`), callback);
  const url = (options.edit ?? ((u: string) => u))(callback.slice(publicUrl.length));
  const answer = await h.app.inject({
    method: 'GET',
    url,
    headers: { cookie: `riposte_oidc=${flow.value}`, ...(options.accept ? { accept: options.accept } : {}) },
  });
  return { answer, flow: flow.value, callback: url };
}

/** The session cookie a sign-in set, as a Cookie header. */
export function sessionOf(answer: LightMyRequestResponse): string {
  const session = setCookie(answer, 'riposte_session');
  assert.ok(session && session.value !== '', `a session cookie: ${answer.statusCode} ${answer.body}`);
  return `riposte_session=${session.value}`;
}
