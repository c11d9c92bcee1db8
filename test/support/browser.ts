import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Config } from '../../src/config.ts';
import type { Role } from '../../src/core/role.ts';
import { buildServer, type RiposteServer } from '../../src/server/app.ts';
import { CONSOLE_DIST } from '../../src/server/routes/console-routes.ts';
import { hostTenants, type TenantHost } from '../../src/server/tenant-host.ts';
import { startHarness, type Harness, type HarnessOptions } from './harness.ts';
import { findExecutable } from './local-service.ts';

/**
 * The web console in Debian's Chromium, driven by Playwright: a real server on a loopback port (with
 * the worker, so playbooks run), one person per role, and a logged-in page on demand.
 */
export interface ConsoleHarness {
  harness: Harness;
  baseUrl: string;
  browser: Browser;
  /** The tenants served by host name (`startConsole({ tenants: true })`), else undefined. */
  tenants: TenantHost | undefined;
  /** A new browser context logged in as `role` (username = the role's name), on the dashboard. */
  loginAs(role: Role): Promise<Page>;
  /** Saves docs/screenshots/<name>.png (the README shows them). */
  screenshot(page: Page, name: string): Promise<void>;
  close(): Promise<void>;
}

export const PASSWORD = 'correct horse battery staple';
export const SCREENSHOTS = path.join(import.meta.dirname, '..', '..', 'docs', 'screenshots');
const ACTOR = { id: 'test-setup', type: 'system' as const };

/** Chromium's path, or the reason the browser tests cannot run (an error when CI is set). */
export function chromiumPath(): { path: string } | { skip: string } {
  const found = findExecutable('chromium');
  if (found) return { path: found };
  const message = 'Chromium is not installed (apt-get install chromium); the browser tests need it';
  if (process.env.CI) throw new Error(message);
  return { skip: message };
}

/** `npm install` builds the console; build it here when a checkout has not (yet). */
function ensureBuilt(): void {
  if (existsSync(path.join(CONSOLE_DIST, 'index.html'))) return;
  execFileSync('npm', ['run', 'build:web'], {
    cwd: path.join(import.meta.dirname, '..', '..'),
    stdio: 'inherit',
  });
}

export async function startConsole(
  executablePath: string,
  options: HarnessOptions & {
    config?: Partial<Config>;
    /** Listen on this port (a test that builds the public URL before the server starts); default: any free one. */
    port?: number;
    /**
     * Serve the main installation's tenants by host name (`acme.localhost`), as `riposte serve` does:
     * each tenant with its own app and worker.
     */
    tenants?: boolean;
  } = {},
): Promise<ConsoleHarness> {
  ensureBuilt();
  const { config = {}, port: wantedPort = 0, tenants: withTenants = false, ...harnessOptions } = options;
  const harness = await startHarness('sqlite', config, { worker: true, ...harnessOptions });
  for (const role of ['admin', 'manager', 'analyst', 'viewer'] as const) {
    await harness.riposte.users.create({ username: role, role, password: PASSWORD }, ACTOR);
  }
  // The harness's app has no host routing; with tenants, a second app on the same Riposte listens instead.
  let tenants: TenantHost | undefined;
  let served: RiposteServer = harness.server;
  if (withTenants) {
    tenants = await hostTenants(harness.riposte, {
      serve: (tenant) => buildServer(tenant, { logger: false }),
      worker: {},
    });
    served = await buildServer(harness.riposte, { logger: false, ...(tenants ? { hosts: tenants } : {}) });
  }
  await served.app.listen({ host: '127.0.0.1', port: wantedPort });
  const address = served.app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const baseUrl = `http://127.0.0.1:${port}`;
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    harness,
    baseUrl,
    browser,
    tenants,
    async loginAs(role) {
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, baseURL: baseUrl });
      const page = await context.newPage();
      await page.goto('/ui/');
      await page.getByLabel('Username').fill(role);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByTestId('who').waitFor();
      return page;
    },
    async screenshot(page, name) {
      await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: false });
    },
    async close() {
      await browser.close();
      if (served !== harness.server) await served.shutdown();
      await tenants?.close();
      await harness.close();
    },
  };
}
