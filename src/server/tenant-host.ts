import type { IncomingMessage, ServerResponse } from 'node:http';
import { RiposteError } from '../core/riposte-error.ts';
import { lineLogger } from '../line-logger.ts';
import { leftoverSyslogSpools } from '../ingest/syslog-listener.ts';
import { openRiposte, type Riposte, type WorkerOptions } from '../riposte.ts';
import type { RiposteServer } from './app.ts';
import type { TenantIngestCounts } from './metrics.ts';
import { tenantOfHost } from '../tenants/tenant-config.ts';
import type { Tenant } from '../tenants/tenant-registry.ts';
import type { TenantService } from '../tenants/tenant-service.ts';

/** How often a process looks at the list of tenants for ones created, disabled or deleted elsewhere. */
export const TENANT_REFRESH_MS = 10_000;

export interface TenantHostOptions {
  main: Riposte;
  /** Opens a tenant's Riposte (the configuration is the tenant's; it is known to be served). */
  open: (slug: string) => Promise<Riposte>;
  /** Builds the tenant's HTTP app (not listening: the main server routes to it); unset: no HTTP (a worker). */
  serve?: (riposte: Riposte) => Promise<RiposteServer>;
  /** Starts the tenant's worker as the main installation's was started; unset: none (`serve --role api`). */
  worker?: WorkerOptions;
  log: (fields: Record<string, unknown>) => void;
  onError: (error: unknown, msg: string) => void;
  /** How long closing a tenant waits for its requests in flight (default 30 s). */
  drainMs?: number;
  /** Starts each open tenant's syslog listeners (`tenant/source` in RIPOSTE_SYSLOG): `serve` does. */
  syslog?: boolean;
}

interface Running {
  tenant: Tenant;
  riposte: Riposte;
  server: RiposteServer | undefined;
  /** Requests handed to the tenant's app and not answered yet. */
  inflight: number;
  /** Told when the last request in flight is answered (set while the tenant closes). */
  idle?: () => void;
  /** Its syslog listeners could not all start (a source not created yet): tried again at each refresh. */
  syslogPending?: boolean;
}

/** How long closing a tenant waits for its requests in flight before it closes anyway. */
const DRAIN_MS = 30_000;

/** The console's live updates (server-sent events), open for as long as the console is. */
const LIVE_STREAM = '/api/v1/stream';

/**
 * Runs the tenants of the main installation in this process: a Riposte for each (its own database,
 * engine and worker) and, in a server, an HTTP app the main server hands each request to by its Host
 * header (`acme.<tenant domain>`). Follows the list of tenants: one created, disabled, enabled or
 * deleted here is opened or closed at once, one changed by another process within TENANT_REFRESH_MS.
 */
export class TenantHost {
  readonly #options: TenantHostOptions;
  readonly #tenants: TenantService;
  readonly #running = new Map<string, Running>();
  /** Tenants served but not (yet) open here: disabled ones and ones that failed to open. */
  readonly #known = new Map<string, Tenant>();
  /** What tenants closed here had counted, so their counters go on when they open again. */
  readonly #closedCounts = new Map<string, TenantIngestCounts>();
  /** Tenants closing here (answered as unavailable meanwhile). */
  readonly #closing = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #turn: Promise<void> = Promise.resolve();
  #closed = false;
  readonly #unsubscribe: () => void;

  constructor(options: TenantHostOptions) {
    if (!options.main.tenants) throw new Error('a tenant has no tenants of its own');
    this.#options = options;
    this.#tenants = options.main.tenants;
    this.#unsubscribe = this.#tenants.onChange(() => this.refresh());
  }

  /** Opens every active tenant and starts following the list. */
  async start(): Promise<void> {
    await this.refresh();
    this.#timer = setInterval(() => void this.refresh(), TENANT_REFRESH_MS);
    this.#timer.unref();
  }

  /** The tenants open in this process. */
  get running(): string[] {
    return [...this.#running.keys()].sort();
  }

  /** How many tenants are open here, disabled, and listed as active but failing to open (for /metrics). */
  states(): Record<'open' | 'disabled' | 'failing', number> {
    let disabled = 0;
    let failing = 0;
    for (const tenant of this.#known.values())
      if (tenant.status === 'disabled') disabled++;
      else failing++;
    return { open: this.#running.size, disabled, failing };
  }

  /**
   * Each tenant's ingest in this process since it started, open or closed since: alerts stored,
   * duplicates, rejected records, and what its alert limits refused.
   */
  ingestCounts(): Map<string, TenantIngestCounts> {
    const counts = new Map<string, TenantIngestCounts>();
    for (const [slug, carried] of this.#closedCounts) counts.set(slug, { ...carried });
    for (const [slug, { riposte }] of this.#running) counts.set(slug, addCounts(counts.get(slug), riposte));
    return counts;
  }

  /** The Riposte of an open tenant (tests and the CLI reach into a tenant with it). */
  riposte(slug: string): Riposte | undefined {
    return this.#running.get(slug)?.riposte;
  }

  /**
   * Takes a request whose Host header names a tenant: hands it to the tenant's app, or answers it
   * with the problem (no such tenant, disabled, not open here). False: the main installation's.
   */
  dispatch(req: IncomingMessage, res: ServerResponse): boolean {
    const domain = this.#options.main.config.tenantDomain;
    const slug = tenantOfHost(req.headers.host, domain);
    if (slug === undefined) return false;
    const running = this.#running.get(slug);
    if (running?.server) {
      // Live streams last as long as the console is open: closing the tenant ends them (its app's
      // shutdown) rather than waiting for them.
      if (req.method === 'GET' && req.url?.startsWith(LIVE_STREAM)) {
        running.server.app.routing(req, res);
        return true;
      }
      // Counted until the response is done, so that closing the tenant waits for it.
      running.inflight++;
      res.once('close', () => {
        running.inflight--;
        if (running.inflight === 0) running.idle?.();
      });
      running.server.app.routing(req, res);
      return true;
    }
    const known = this.#known.get(slug);
    const problem =
      known?.status === 'disabled'
        ? new RiposteError('tenant_disabled', `the tenant "${slug}" is disabled`)
        : known || this.#closing.has(slug)
          ? new RiposteError('unavailable', `the tenant "${slug}" is not open here yet; try again shortly`)
          : new RiposteError('unknown_tenant', `no tenant is served at ${slug}.${domain}`);
    // Read what the client sends, so that it gets the answer rather than a reset connection.
    req.resume();
    res.writeHead(problem.status, { 'content-type': 'application/problem+json' });
    res.end(JSON.stringify(problem.toProblem(req.url)));
    return true;
  }

  /** Brings the open tenants in line with the list; one refresh at a time. */
  refresh(): Promise<void> {
    this.#turn = this.#turn
      .then(() => this.#refresh())
      .catch((error: unknown) => this.#options.onError(error, 'reading the list of tenants failed'));
    return this.#turn;
  }

  async #refresh(): Promise<void> {
    if (this.#closed) return;
    const tenants = await this.#tenants.registry.list();
    const listed = new Map(tenants.map((t) => [t.slug, t]));
    for (const [slug, running] of this.#running) {
      const now = listed.get(slug);
      if (now?.status !== 'active') {
        await this.#stop(slug, now ? `the tenant is ${now.status}` : 'the tenant was deleted');
        continue;
      }
      running.tenant = now;
      running.riposte.ingest.setTenantLimit(slug, now.alertLimitPerMinute);
      if (running.syslogPending) await this.#startSyslog(slug, running);
    }
    this.#known.clear();
    for (const tenant of tenants) {
      if (tenant.status === 'provisioning') continue;
      if (tenant.status === 'active' && !this.#running.has(tenant.slug)) await this.#begin(tenant);
      if (!this.#running.has(tenant.slug)) this.#known.set(tenant.slug, tenant);
    }
  }

  async #begin(tenant: Tenant): Promise<void> {
    let riposte: Riposte | undefined;
    try {
      riposte = await this.#options.open(tenant.slug);
      riposte.ingest.setTenantLimit(tenant.slug, tenant.alertLimitPerMinute);
      if (this.#options.worker) await riposte.startWorker(this.#options.worker);
      const server = this.#options.serve ? await this.#options.serve(riposte) : undefined;
      const running: Running = { tenant, riposte, server, inflight: 0 };
      this.#running.set(tenant.slug, running);
      this.#options.log({ msg: 'tenant opened', tenant: tenant.slug });
      if (this.#options.syslog) {
        if (riposte.config.syslogListeners.length > 0) await this.#startSyslog(tenant.slug, running);
        this.#reportLeftoverSpools(tenant.slug, riposte);
      }
    } catch (error) {
      await riposte?.close().catch(() => undefined);
      this.#options.onError(
        error,
        `opening the tenant ${tenant.slug} failed; trying again at the next refresh`,
      );
    }
  }

  /** Starts the tenant's syslog listeners not started yet; a failure is logged and tried again later. */
  async #startSyslog(slug: string, running: Running): Promise<void> {
    try {
      for (const listener of await running.riposte.startSyslog())
        this.#options.log({
          msg: 'tenant syslog listening',
          tenant: slug,
          address: listener.address,
          source: listener.source,
        });
      running.syslogPending = false;
    } catch (error) {
      running.syslogPending = true;
      this.#options.onError(
        error,
        `the syslog listeners of the tenant ${slug} could not all start; trying again at the next refresh`,
      );
    }
  }

  /** A spool in the tenant's folder that still holds messages no listener of its takes up is named. */
  #reportLeftoverSpools(slug: string, riposte: Riposte): void {
    for (const spool of leftoverSyslogSpools(riposte.config))
      this.#options.log({
        msg: 'a syslog spool of the tenant holds messages no listener takes up (its listener moved, was renamed or removed): configure that listener again to ingest them, or delete the directory',
        tenant: slug,
        dir: spool.dir,
        bytes: spool.bytes,
      });
  }

  async #stop(slug: string, why: string): Promise<void> {
    const running = this.#running.get(slug);
    if (!running) return;
    // No new request reaches it from now on; those it has are answered before it closes.
    this.#running.delete(slug);
    this.#closing.add(slug);
    try {
      if (running.inflight > 0) {
        const idle = Promise.withResolvers<void>();
        running.idle = idle.resolve;
        const timer = setTimeout(idle.resolve, this.#options.drainMs ?? DRAIN_MS);
        await idle.promise;
        clearTimeout(timer);
      }
      await running.server?.shutdown();
      await running.riposte.close();
      this.#closedCounts.set(slug, addCounts(this.#closedCounts.get(slug), running.riposte));
    } catch (error) {
      this.#options.onError(error, `closing the tenant ${slug} failed`);
    } finally {
      this.#closing.delete(slug);
    }
    this.#options.log({ msg: 'tenant closed', tenant: slug, why });
  }

  /** Closes every tenant: their servers finish the requests in flight, their workers stop. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    this.#unsubscribe();
    await this.#turn;
    for (const slug of [...this.#running.keys()]) await this.#stop(slug, 'shutting down');
  }
}

/**
 * The tenants of the main installation, opened in this process and followed (none when the process
 * is itself a tenant's, RIPOSTE_TENANT): `serve` routes to their apps by host name, and a worker runs
 * their playbooks.
 */
export async function hostTenants(
  riposte: Riposte,
  options: Pick<TenantHostOptions, 'serve' | 'worker' | 'drainMs' | 'syslog'>,
): Promise<TenantHost | undefined> {
  const tenants = riposte.tenants;
  if (!tenants) return undefined;
  const { line, error } = lineLogger(riposte.config.logLevel);
  const host = new TenantHost({
    main: riposte,
    open: (slug) => openRiposte(tenants.config(slug), { tenantChecked: true }),
    ...options,
    log: (fields) => line(30, fields),
    onError: error,
  });
  await host.start();
  return host;
}

/** `carried` (what the tenant counted before) plus what `riposte` counted. */
function addCounts(carried: TenantIngestCounts | undefined, riposte: Riposte): TenantIngestCounts {
  const { counts, limits } = riposte.ingest;
  let limited = 0;
  let limitedAlerts = 0;
  for (const refused of limits.refusals().values()) {
    limited += refused.requests;
    limitedAlerts += refused.alerts;
  }
  return {
    accepted: (carried?.accepted ?? 0) + counts.accepted,
    duplicates: (carried?.duplicates ?? 0) + counts.duplicates,
    rejected: (carried?.rejected ?? 0) + counts.rejected,
    limited: (carried?.limited ?? 0) + limited,
    limitedAlerts: (carried?.limitedAlerts ?? 0) + limitedAlerts,
  };
}
