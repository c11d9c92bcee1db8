import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Riposte } from '../riposte.ts';
import { invalidField } from '../core/riposte-error.ts';
import { findUnstorable } from '../core/storable-text.ts';
import { registerAuthHooks } from './auth-hooks.ts';
import { RateLimiter } from './rate-limit.ts';
import { ServerMetrics, type TenantCounts } from './metrics.ts';
import { OpenApiCollector } from './openapi.ts';
import { registerProblemHandlers } from './problem.ts';
import { adminRoutes } from './routes/admin-routes.ts';
import { alertRoutes } from './routes/alert-routes.ts';
import { caseRoutes } from './routes/case-routes.ts';
import { attachmentRoutes } from './routes/attachment-routes.ts';
import { consoleRoutes } from './routes/console-routes.ts';
import { ingestRoutes } from './routes/ingest-routes.ts';
import { integrationRoutes } from './routes/integration-routes.ts';
import { intelRoutes } from './routes/intel-routes.ts';
import { openapiImportRoutes } from './routes/openapi-import-routes.ts';
import { edlRoutes } from './routes/edl-routes.ts';
import { playbookRoutes } from './routes/playbook-routes.ts';
import { playbookTestRoutes } from './routes/playbook-test-routes.ts';
import { responseRoutes } from './routes/response-routes.ts';
import { runRoutes } from './routes/run-routes.ts';
import { secretRoutes } from './routes/secret-routes.ts';
import { sessionRoutes } from './routes/session-routes.ts';
import { oidcRoutes } from './routes/oidc-routes.ts';
import { taskRoutes } from './routes/task-routes.ts';
import { tenantRoutes } from './routes/tenant-routes.ts';
import { systemRoutes } from './routes/system-routes.ts';
import { dashboardRoutes } from './routes/dashboard-routes.ts';
import { streamRoutes } from './routes/stream-routes.ts';
import { viewRoutes } from './routes/view-routes.ts';

export interface ServerOptions {
  /** pino logger options, or false for none (tests); `stream` captures the lines (tests that read the logs). */
  logger?: boolean | { level: string; stream?: { write(line: string): void } };
  /**
   * Other apps this server's socket serves, by Host header (the tenants, src/server/tenant-host.ts):
   * `dispatch` takes the requests that are theirs (false: this app's).
   */
  hosts?: TenantCounts & {
    dispatch(req: IncomingMessage, res: ServerResponse): boolean;
  };
}

export interface RiposteServer {
  app: FastifyInstance;
  openapi: OpenApiCollector;
  /** Stop taking requests, finish those in flight, flush pending commits. */
  shutdown(): Promise<void>;
}

export async function buildServer(riposte: Riposte, options: ServerOptions = {}): Promise<RiposteServer> {
  const app = Fastify({
    logger: options.logger ?? { level: riposte.config.logLevel },
    bodyLimit: riposte.config.bodyLimit,
    trustProxy: false,
    return503OnClosing: true,
    // One access-log line per request (below) instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    ajv: { customOptions: { coerceTypes: false, allErrors: false, allowUnionTypes: true } },
    ...(options.hosts ? { serverFactory: hostRouting(options.hosts) } : {}),
  });
  const metrics = new ServerMetrics();
  const openapi = new OpenApiCollector();
  const state = { closing: false };
  // Text the databases cannot keep as sent (a NUL, an unpaired surrogate) is refused before anything
  // reads it: PostgreSQL would fail the statement, and a value hashed before it was stored (the audit
  // chain) would no longer match it. Ingest bodies are bytes here; their records are made storable.
  app.addHook('preValidation', (request, _reply, done) => {
    for (const where of ['params', 'querystring', 'body'] as const) {
      const found = findUnstorable(where === 'querystring' ? request.query : request[where]);
      if (!found) continue;
      const field = found.path || '/';
      done(
        invalidField(
          where === 'body' ? field : `${where}${field}`,
          `${where}${found.path} holds ${found.why}, which the database cannot store as sent`,
        ),
      );
      return;
    }
    done();
  });
  // The hooks every request passes take a callback, not a promise: no promise and microtask per hook.
  // Responses finishing during shutdown close their connection, so keep-alive clients do not hold the
  // process open until their idle timeout.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (state.closing) reply.header('connection', 'close');
    done(null, payload);
  });
  app.addHook('onResponse', (request, reply, done) => {
    request.log.info(
      {
        method: request.method,
        url: request.url,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
        principal: request.principal?.name,
      },
      'request',
    );
    done();
  });
  registerProblemHandlers(app, (trouble) => metrics.storageUnavailable.inc({ reason: trouble.reason }));
  const limiter = new RateLimiter(riposte.config.rateLimitPerMinute, riposte.sharedLimits?.buckets);
  registerAuthHooks(app, riposte, limiter);
  openapi.attach(app);
  metrics.attach(app);
  metrics.watchRuns(riposte.engine);
  metrics.watchClock(riposte.clock);
  metrics.watchSources(riposte.sources);
  metrics.watchSyslog(() => riposte.syslogStats());
  metrics.watchPulls(riposte.pulls);
  metrics.watchRateLimit(limiter);
  metrics.watchSourceLimits(riposte.ingest.limits);
  if (riposte.sharedLimits) metrics.watchSharedLimits(riposte.sharedLimits);
  if (options.hosts) metrics.watchTenants(options.hosts);
  if (riposte.database.checkpointer) metrics.watchCheckpoints(riposte.database.checkpointer);
  systemRoutes(app, riposte, metrics, openapi, state);
  sessionRoutes(app, riposte);
  oidcRoutes(app, riposte);
  consoleRoutes(app);
  ingestRoutes(app, riposte, metrics);
  alertRoutes(app, riposte);
  streamRoutes(app, riposte);
  dashboardRoutes(app, riposte);
  viewRoutes(app, riposte);
  caseRoutes(app, riposte);
  attachmentRoutes(app, riposte);
  adminRoutes(app, riposte);
  playbookRoutes(app, riposte);
  playbookTestRoutes(app, riposte);
  runRoutes(app, riposte);
  taskRoutes(app, riposte);
  secretRoutes(app, riposte);
  integrationRoutes(app, riposte);
  openapiImportRoutes(app, riposte);
  responseRoutes(app, riposte);
  edlRoutes(app, riposte);
  intelRoutes(app, riposte);
  tenantRoutes(app, riposte);
  await app.ready();
  return {
    app,
    openapi,
    async shutdown() {
      state.closing = true;
      await app.close();
      await riposte.writer.drain();
    },
  };
}

/** A server whose requests go to the app their Host header names, the rest to this app. */
function hostRouting(hosts: NonNullable<ServerOptions['hosts']>) {
  return (handler: (req: IncomingMessage, res: ServerResponse) => void) =>
    createServer((req, res) => {
      if (!hosts.dispatch(req, res)) handler(req, res);
    });
}
