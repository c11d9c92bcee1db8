import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { chromiumPath, startConsole, type ConsoleHarness } from '../support/browser.ts';
import { FakeOidcProvider } from '../support/fake-oidc-provider.ts';
import { freePort } from '../support/local-service.ts';

const chrome = chromiumPath();

describe('single sign-on in Chromium', { skip: 'skip' in chrome ? chrome.skip : false }, () => {
  let c: ConsoleHarness;
  let idp: FakeOidcProvider;
  before(async () => {
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    // The provider at "localhost", Riposte at 127.0.0.1: two sites, so the way back is a cross-site
    // navigation, as with a real provider (the flow cookie is SameSite=Lax for it).
    idp = await FakeOidcProvider.start({
      clientId: 'riposte-console',
      clientSecret: 'console-secret',
      redirectUri: `${publicUrl}/api/v1/session/oidc/callback`,
      issuerHost: 'localhost',
      users: {
        ana: { sub: 'sub-ana', preferred_username: 'ana', email: 'ana@example.com', groups: ['soc'] },
      },
    });
    const { oidc } = loadConfig(
      {
        RIPOSTE_OIDC_ISSUER: idp.issuer,
        RIPOSTE_OIDC_CLIENT_ID: 'riposte-console',
        RIPOSTE_OIDC_CLIENT_SECRET: 'console-secret',
        RIPOSTE_OIDC_ROLE_MAP: 'soc=analyst',
        RIPOSTE_OIDC_NAME: 'Fake IdP',
        RIPOSTE_OIDC_LOGOUT_AT_PROVIDER: '1',
      },
      { publicUrl },
    );
    c = await startConsole('path' in chrome ? chrome.path : '', { port, config: { publicUrl, oidc } });
  });
  after(async () => {
    await c?.close();
    await idp?.close();
  });

  it('signs in with the provider from the login page, lands where the person was going, and logs out at the provider too', async () => {
    const context = await c.browser.newContext({
      viewport: { width: 1440, height: 900 },
      baseURL: c.baseUrl,
    });
    const page = await context.newPage();
    await page.goto('/ui/cases');
    const signIn = page.getByRole('link', { name: 'Sign in with Fake IdP' });
    await signIn.waitFor();
    assert.equal(await page.getByLabel('Username').count(), 1, 'passwords still work beside it');
    await c.screenshot(page, 'login');
    await signIn.click();
    await page.getByRole('heading', { name: 'Fake IdP' }).waitFor();
    assert.equal(new URL(page.url()).hostname, 'localhost', "on the provider's own site");
    await page.getByLabel('IdP username').fill('ana');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByTestId('who').waitFor();
    assert.equal(await page.getByTestId('who').textContent(), 'ana · analyst');
    assert.equal(new URL(page.url()).pathname, '/ui/cases');
    await page.getByRole('heading', { name: 'Cases' }).waitFor();
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('link', { name: 'Sign in with Fake IdP' }).waitFor();
    // Through the provider's end-session endpoint, which sent the browser back to the console.
    assert.equal(idp.logouts.length, 1);
    assert.equal(idp.logouts[0]!.get('post_logout_redirect_uri'), `${c.baseUrl}/ui/`);
    assert.equal(idp.logouts[0]!.get('id_token_hint')?.split('.').length, 3);
    assert.equal(new URL(page.url()).origin, c.baseUrl);
    await context.close();
  });

  it("shows an admin in Settings → Users whom an account is bound to at the provider, and unbinds it, ending that person's session", async () => {
    const context = await c.browser.newContext({ baseURL: c.baseUrl });
    const ana = await context.newPage();
    await ana.goto('/ui/');
    await ana.getByRole('link', { name: 'Sign in with Fake IdP' }).click();
    await ana.getByLabel('IdP username').fill('ana');
    await ana.getByRole('button', { name: 'Continue' }).click();
    await ana.getByTestId('who').waitFor();

    const admin = await c.loginAs('admin');
    await admin.goto('/ui/settings');
    await admin.getByRole('tab', { name: 'Users and roles' }).click();
    const binding = admin.getByTestId('sso-ana');
    await binding.getByText(`bound to sub-ana at ${idp.issuer}`).waitFor();
    const [bound] = await c.harness.riposte.database.db.selectFrom('user_identities').selectAll().execute();
    assert.equal(
      await binding
        .getByText(/^last signed in/)
        .locator('time')
        .first()
        .getAttribute('datetime'),
      bound!.last_login_at,
    );
    assert.equal(await admin.getByTestId('sso-admin').textContent(), 'not bound');

    await binding.getByRole('button', { name: 'Unbind ana from single sign-on' }).click();
    await binding.getByRole('button', { name: 'Confirm unbinding ana' }).click();
    await binding.getByText('not bound').waitFor();
    const rows = await c.harness.riposte.database.db.selectFrom('user_identities').selectAll().execute();
    assert.deepEqual(rows, []);
    // The session single sign-on opened for ana ended with the binding.
    await ana.reload();
    await ana.getByRole('link', { name: 'Sign in with Fake IdP' }).waitFor();
    assert.equal(await ana.getByTestId('who').count(), 0);
    await context.close();
    await admin.context().close();
  });

  it('comes back to the login page with the reason when the sign-in fails', async () => {
    const context = await c.browser.newContext({ baseURL: c.baseUrl });
    const page = await context.newPage();
    await page.goto('/ui/');
    idp.next = { audience: 'some-other-app' };
    await page.getByRole('link', { name: 'Sign in with Fake IdP' }).click();
    await page.getByLabel('IdP username').fill('ana');
    await page.getByRole('button', { name: 'Continue' }).click();
    const failure = page.getByTestId('sso-failure');
    await failure.waitFor();
    assert.match(
      (await failure.textContent()) ?? '',
      /Single sign-on failed: the ID token is meant for "some-other-app", not for Riposte's client id "riposte-console"/,
    );
    assert.equal(new URL(page.url()).search, '', 'the failure marker is gone from the address');
    await page.reload();
    await page.getByRole('link', { name: 'Sign in with Fake IdP' }).waitFor();
    assert.equal(await page.getByTestId('sso-failure').count(), 0, 'shown once');
    await context.close();
  });
});
