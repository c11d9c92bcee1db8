import { type Config, type SyslogListenerConfig } from './config.ts';
import { lineLogger, type LogLine } from './line-logger.ts';
import { nowDate } from './core/clock.ts';
import { AlertQuery } from './ingest/alert-query.ts';
import { AlertSearch } from './ingest/alert-search.ts';
import { AssetService } from './assets/asset-service.ts';
import { AuditLog } from './audit/audit-log.ts';
import { TokenService } from './auth/token-service.ts';
import { UserService } from './auth/user-service.ts';
import { OidcLogin, providerAllowEntry } from './auth/oidc/oidc-login.ts';
import { SsoAccounts } from './auth/sso-accounts.ts';
import { plainHttp } from './integrations/http/plain-http.ts';
import { CaseService } from './cases/case-service.ts';
import { GroupingStage } from './cases/grouping-stage.ts';
import { IngestService } from './ingest/ingest-service.ts';
import { PreparePool } from './ingest/prepare-pool.ts';
import { IngestWriter } from './ingest/ingest-writer.ts';
import { PlannerStatistics } from './store/planner-statistics.ts';
import {
  commitPendingKey,
  configuredMasterKeys,
  discardPendingKey,
  keyFileKeys,
  loadMasterKey,
  readPendingKey,
} from './security/master-key.ts';
import { SecretBox } from './security/secret-box.ts';
import { SourceService } from './sources/source-service.ts';
import { MailboxPoller } from './sources/mailbox-poller.ts';
import { PullPoller } from './pull/pull-poller.ts';
import { pullTargets } from './pull/pull-options.ts';
import { imapIntegration } from './integrations/imap/imap-integration.ts';
import { readNewMessages } from './integrations/imap/mailbox-reader.ts';
import { openDatabase, type Database } from './store/database.ts';
import { migrate } from './store/migrator.ts';
import { ActionRegistry } from './actions/action-registry.ts';
import { builtinActions } from './actions/builtin-actions.ts';
import { locateOffline } from './integrations/geoip/locate-offline.ts';
import { UserAlertHistory } from './ingest/user-alert-history.ts';
import { InProcessQueue } from './queue/in-process-queue.ts';
import { RedisLimits } from './limits/redis-limits.ts';
import { RedisWorkQueue } from './queue/redis-queue.ts';
import { ScopedQueue } from './queue/scoped-queue.ts';
import type { WorkQueue } from './queue/work-queue.ts';
import { ActionExecutor } from './runs/action-executor.ts';
import { ApprovalLinks } from './runs/approval-links.ts';
import { PlaybookService } from './runs/playbook-service.ts';
import { CacaoPlaybooks } from './runs/cacao-playbooks.ts';
import { PlaybookMetricsQuery } from './runs/playbook-metrics.ts';
import { RunContextLoader } from './runs/run-context.ts';
import { RunEngine, type InlineStarts } from './runs/run-engine.ts';
import { RunService } from './runs/run-service.ts';
import { RunTriggers } from './runs/run-triggers.ts';
import { RunWorker } from './runs/run-worker.ts';
import { ActionLease, leaseHeldError, type LeaseHolder } from './runs/action-lease.ts';
import { loadBuiltinPlaybooks } from './runs/builtin-playbooks.ts';
import {
  webhookMentionNotifier,
  webhookNotifier,
  postNotification,
  type NotificationHook,
} from './runs/task-notifier.ts';
import { CaseReports } from './reports/case-reports.ts';
import { CaseAttachments } from './cases/case-attachments.ts';
import { SyslogListener, syslogSpoolDir, type SyslogStats } from './ingest/syslog-listener.ts';
import { PdfPrinter } from './reports/pdf-render.ts';
import { ownSource, SourceWatch, type SourceSilenceNotice } from './sources/source-watch.ts';
import type { MentionNotification } from './cases/case-mentions.ts';
import { TaskService } from './runs/task-service.ts';
import { SecretStore } from './secrets/secret-store.ts';
import { keyFor } from './secrets/keyring.ts';
import { currentSealingKeyId, lockKeyring } from './store/sealing-key.ts';
import { BUILTIN_INTEGRATIONS } from './connections/builtin-integrations.ts';
import { EnrichmentStore } from './connections/enrichment-store.ts';
import { openIntel, type Intel } from './intel/intel.ts';
import { IntegrationCatalog } from './connections/integration-catalog.ts';
import { integrationActions } from './connections/integration-actions.ts';
import { InstanceStore } from './connections/instance-store.ts';
import { OutboundHttp } from './integrations/http/outbound-http.ts';
import { OpenApiSpecStore } from './connections/openapi-specs.ts';
import { ResponseGate } from './response/response-gate.ts';
import { ResponseService } from './response/response-service.ts';
import { ResponseStore } from './response/response-store.ts';
import { EdlStore } from './edl/edl-store.ts';
import type { IntegrationDefinition } from './integrations/sdk/integration.ts';
import { setExpressionGuard } from './playbooks/expression-guard.ts';
import { WorkerExpressionGuard } from './runs/expression-sandbox.ts';
import { LiveFeed } from './live/live-feed.ts';
import { RunCoalescer } from './live/run-coalescer.ts';
import { ChangePoller } from './live/change-poller.ts';
import { publishTasks } from './live/task-events.ts';
import { AlertTriage } from './cases/alert-triage.ts';
import { DashboardQuery } from './dashboard/dashboard-query.ts';
import { SavedViews } from './views/saved-views.ts';
import { checkTenantServed, TenantRegistry } from './tenants/tenant-registry.ts';
import { TenantService } from './tenants/tenant-service.ts';
import { CLOCK_SKEW_WARNING_MS, CLOCK_SYNC_EVERY_MS, DatabaseClock } from './store/database-clock.ts';

/** Everything a process needs, wired once: the composition root shared by the server and the CLI. */
export interface Riposte {
  config: Readonly<Config>;
  database: Database;
  /** The database's time (the action lease keeps to it; /metrics shows this process's offset). */
  clock: DatabaseClock;
  box: SecretBox;
  audit: AuditLog;
  sources: SourceService;
  /** Watches sources with an expectation for silence (a worker clock runs it; tests call `check`). */
  sourceWatch: SourceWatch;
  ingest: IngestService;
  writer: IngestWriter;
  /**
   * With Redis: the API's rate limits, sources' and tenants' alert limits and the login throttle,
   * kept for the whole deployment; undefined: each process keeps its own.
   */
  sharedLimits: RedisLimits | undefined;
  grouping: GroupingStage;
  alerts: AlertQuery;
  /** Bulk changes from the alert queue: into a case, a new case, a severity. */
  triage: AlertTriage;
  /** The dashboard's figures. */
  dashboard: DashboardQuery;
  /** Saved views of the alert and case lists. */
  views: SavedViews;
  cases: CaseService;
  users: UserService;
  /** Single sign-on through the configured OpenID provider; undefined when RIPOSTE_OIDC_ISSUER is unset. */
  oidc: OidcLogin | undefined;
  tokens: TokenService;
  assets: AssetService;
  actions: ActionRegistry;
  playbooks: PlaybookService;
  /** CACAO v2.0 import and export of playbooks. */
  cacao: CacaoPlaybooks;
  /** How playbooks and their steps behave in production (docs/playbooks.md#metrics). */
  playbookMetrics: PlaybookMetricsQuery;
  runs: RunService;
  /** A case's incident report: Markdown, HTML, or PDF through Chromium. */
  reports: CaseReports;
  /** Files attached to cases as evidence. */
  attachments: CaseAttachments;
  /**
   * Starts the syslog listeners of the configuration (`serve` does; other commands open Riposte
   * without binding ports) and returns where each listens; `close` stops them, committing what they hold.
   */
  startSyslog(): Promise<(SyslogListenerConfig & { address: string })[]>;
  /** What each started syslog listener has received, ingested, rejected and dropped so far. */
  syslogStats(): (SyslogListenerConfig & SyslogStats)[];
  tasks: TaskService;
  secrets: SecretStore;
  engine: RunEngine;
  worker: RunWorker;
  links: ApprovalLinks;
  queue: WorkQueue<unknown>;
  integrations: IntegrationCatalog;
  instances: InstanceStore;
  enrichment: EnrichmentStore;
  intel: Intel;
  outbound: OutboundHttp;
  /** Registers an integration's actions (tests and embedders add their own). */
  addIntegration(definition: IntegrationDefinition): void;
  /** Integrations imported from OpenAPI descriptions (stored, registered at start-up). */
  openapiSpecs: OpenApiSpecStore;
  /** Response guardrails: rules, the kill switch, the action ledger, rollback and expiry. */
  response: ResponseService;
  /** The tenants of the main installation (docs/tenants.md); undefined in a tenant, which has none. */
  tenants: TenantService | undefined;
  responseRules: ResponseStore;
  gate: ResponseGate;
  executor: ActionExecutor;
  /** External dynamic lists served to firewalls. */
  edl: EdlStore;
  /** Live updates: what changed, published after each commit (the SSE stream listens). */
  live: LiveFeed;
  /** E-mail sources that read a reporting mailbox, polled by the worker's clock. */
  mailboxes: MailboxPoller;
  /** Sources that pull their alerts from a vendor's API (`options.pull`), polled by the worker's clock. */
  pulls: PullPoller;
  /**
   * Runs playbooks in this process: action execution, timers, recovery. `serve` and `worker` call it.
   * Without Redis a full worker first takes the database's action lease (src/runs/action-lease.ts):
   * held by another live process, it throws, or with `standby` waits for it (false if `signal`
   * aborts the wait; the worker did not start).
   */
  startWorker(options?: WorkerOptions): Promise<boolean>;
  close(): Promise<void>;
}

export interface WorkerOptions {
  /** Scopes the worker to these runs (the CLI running one playbook): no recovery, no lease. */
  only?: ReadonlySet<string>;
  /** Wait for the action lease instead of failing; called with the holder while waiting. */
  standby?: (holder: LeaseHolder) => void;
  signal?: AbortSignal;
  /** The lease was taken by another process (this one stalled past its expiry): stop this process. */
  onLeaseLost?: (holder: LeaseHolder | null) => void;
}

export interface OpenOptions {
  migrate?: boolean;
  /** Replaces the notification hook (tests capture notifications with it). */
  notify?: NotificationHook;
  /** Replaces the hook told of @mentions in case comments (default: the notification webhook). */
  notifyMention?: (notification: MentionNotification) => Promise<void>;
  /** Replaces the hook told of a watched source going silent or sending again. */
  notifySource?: (notice: SourceSilenceNotice) => Promise<void>;
  /**
   * A tenant's configuration: the caller knows the main installation serves (or is provisioning) it,
   * so it is not looked up in the main database first.
   */
  tenantChecked?: boolean;
}

/**
 * The master key, settling a rotation a crash interrupted: when `master.key.next` is left over, the
 * database is sealed with one of the two keys; whichever it is becomes (or stays) the master key.
 * That is decided under the keyring's lock, which a rotation takes before it writes the next key and
 * holds to its commit: a rotation under way beside this start is waited for, not undone.
 * RIPOSTE_MASTER_KEY may list more keys after the one that seals: they open older records.
 */
async function openSecretBox(config: Readonly<Config>, db: Database['db']): Promise<SecretBox> {
  if (config.masterKey) {
    const [master, ...others] = configuredMasterKeys(config.masterKey);
    return new SecretBox(master!, others);
  }
  const { dataDir } = config;
  const reload = () => keyFileKeys(dataDir);
  const master = loadMasterKey(undefined, dataDir);
  if (!readPendingKey(dataDir)) return new SecretBox(master, [], reload);
  return db.transaction().execute(async (trx) => {
    await lockKeyring(trx);
    const pending = readPendingKey(dataDir);
    // The rotation finished while this process waited, and moved its key into place.
    if (!pending) return new SecretBox(loadMasterKey(undefined, dataDir), [master], reload);
    if ((await currentSealingKeyId(trx)) === pending.id) {
      commitPendingKey(dataDir, pending);
      return new SecretBox(pending, [master], reload);
    }
    discardPendingKey(dataDir);
    return new SecretBox(master, [], reload);
  });
}

/**
 * Single sign-on, when configured: the provider is reached through an outbound path of its own (the
 * SSRF guard with the issuer's host allowed besides RIPOSTE_OUTBOUND_ALLOW, the proxy, a 1 MiB cap).
 */
async function openSingleSignOn(
  config: Readonly<Config>,
  db: Database['db'],
  audit: AuditLog,
  box: SecretBox,
): Promise<{ login: OidcLogin; outbound: OutboundHttp } | undefined> {
  const oidc = config.oidc;
  if (!oidc) return undefined;
  const outbound = new OutboundHttp({
    allow: [...config.outboundAllow, providerAllowEntry(oidc.issuer)],
    ...(config.outboundProxy ? { proxyUrl: config.outboundProxy } : {}),
    maxResponseBytes: 1024 * 1024,
    attempts: 2,
  });
  const http = plainHttp(outbound, {
    timeoutMs: 10_000,
    secrets: oidc.clientSecret ? [oidc.clientSecret] : [],
  });
  const login = new OidcLogin({
    config: oidc,
    http,
    accounts: new SsoAccounts(db, audit, config.sessionTtlSeconds),
    db,
    audit,
    flowKey: await keyFor(db, box, 'oidc-flow'),
    consoleUrl: `${config.publicUrl}/ui/`,
  });
  return { login, outbound };
}

let installedGuard: WorkerExpressionGuard | undefined;

/**
 * One expression guard per process (the expression module holds it): the first Riposte opened sets
 * its time limit.
 */
function installExpressionGuard(timeoutMs: number): void {
  if (installedGuard) return;
  installedGuard = new WorkerExpressionGuard(timeoutMs);
  setExpressionGuard(installedGuard);
}

/** With the Redis queue: how often a worker looks for attempts the queue lost (runs quiet this long). */
const LOST_ATTEMPTS_EVERY_MS = 60_000;
/** How often a worker looks for silent sources (an expectation is at least a minute). */
const SOURCE_WATCH_EVERY_MS = 15_000;

/**
 * Riposte keeps to the database's time (src/core/clock.ts), but what else runs on the host — log
 * lines' times, the integrations' own signatures and tokens — keeps to its clock.
 */
function warnOfSkew(logLine: LogLine, offsetMs: number): void {
  if (Math.abs(offsetMs) <= CLOCK_SKEW_WARNING_MS) return;
  logLine(40, {
    msg:
      `this process's clock is ${Math.abs(offsetMs)} ms ${offsetMs > 0 ? 'behind' : 'ahead of'} the database's: ` +
      "Riposte's timers, expiries and recorded times keep to the database's, but log lines and the integrations' signed requests use this one; synchronize the clocks (NTP)",
    clockOffsetMs: offsetMs,
  });
}

export async function openRiposte(config: Readonly<Config>, options: OpenOptions = {}): Promise<Riposte> {
  if (config.tenant && !options.tenantChecked)
    await checkTenantServed(config.tenant.mainDatabaseUrl, config.tenant.slug);
  const database = openDatabase(config.databaseUrl, {
    ...(config.sqliteCacheMb === undefined ? {} : { sqliteCacheMb: config.sqliteCacheMb }),
  });
  let resyncClock: NodeJS.Timeout | undefined;
  // With Redis, the rate limits, alert limits and login throttle hold for the whole deployment.
  let sharedLimits: RedisLimits | undefined;
  const { line: logLine, error: logError } = lineLogger(config.logLevel);
  try {
    if (options.migrate !== false) await migrate(database);
    installExpressionGuard(config.expressionTimeoutMs);
    const { db, dialect } = database;
    const clock = new DatabaseClock(db, dialect, { correctsProcess: true });
    warnOfSkew(logLine, await clock.sync());
    resyncClock = setInterval(
      () => void clock.sync().catch((error: unknown) => logError(error, 'reading the database clock failed')),
      CLOCK_SYNC_EVERY_MS,
    );
    resyncClock.unref();
    const box = await openSecretBox(config, db);
    const audit = new AuditLog(await keyFor(db, box, 'audit-chain'), dialect);
    const sso = await openSingleSignOn(config, db, audit, box);
    const actions = new ActionRegistry();
    const live = new LiveFeed();
    const playbooks = new PlaybookService(db, audit, actions, logError);
    // The worker this process runs, if any: a scoped one (the CLI) runs the runs it starts itself, a
    // full one also the runs triggers queue. Either carries out actions; without one they go to the
    // workers of other processes.
    let workerKind: 'scoped' | 'full' | undefined;
    // Without Redis, the claim of the process carrying out the database's actions.
    let lease: ActionLease | undefined;
    // Redis (BullMQ) when configured: processes share the actions and the leases on them.
    const redisQueue = config.redisUrl
      ? new RedisWorkQueue({
          url: config.redisUrl,
          seal: (plaintext) => box.seal(plaintext),
          open: (sealed) => box.open(sealed),
          onError: logError,
          prefix: config.redisPrefix,
          leaseMs: config.queueLeaseMs,
        })
      : undefined;
    if (config.redisUrl)
      sharedLimits = new RedisLimits({ url: config.redisUrl, prefix: config.redisPrefix, onError: logError });
    // A full worker starts the runs triggers create, and so does an API process when the queue is shared
    // (its first actions go to whichever worker is free); otherwise they wait, queued, for a worker. A
    // scoped worker (the CLI) starts only the run it was asked for.
    const startsRuns = () => workerKind === 'full' || (redisQueue !== undefined && workerKind !== 'scoped');
    // Without Redis, admission: past `runBacklog` attempts and run events waiting or running here,
    // triggered runs stay queued in the database (the worker starts them as room frees) instead of all
    // starting at once, which would put every open run's next step behind every other's (docs/runs.md).
    // How many more runs this process may start now; bounded once the engine exists (below).
    let room = () => Infinity;
    // Assigned below; the trigger hooks only call it after a commit, by which time it is set.
    let startQueued: (ids: string[]) => void = () => undefined;
    // Assigned below, before anything can trigger.
    let inlineStarts: () => Promise<InlineStarts | null> = async () => null;
    const triggers = new RunTriggers({
      playbooks,
      dialect,
      inlineStarts: () => inlineStarts(),
      onQueued: (ids) => {
        if (startsRuns() && room() > 0) startQueued(ids);
      },
      onError: logError,
    });
    const grouping = new GroupingStage({
      db,
      dialect,
      audit,
      rules: config.grouping,
      caseHook: triggers.caseHook,
      live,
      onError: (error) => logError(error, 'grouping failed; retrying'),
    });
    const statistics = new PlannerStatistics(db, dialect, (error) =>
      logError(error, 'ANALYZE of the ingest tables failed; autovacuum will collect their statistics'),
    );
    const writer = new IngestWriter({
      db,
      dialect,
      audit,
      dedupWindowSeconds: config.dedupWindowSeconds,
      grouping: config.grouping,
      onUngrouped: () => grouping.notify(),
      onGroupingError: (error) =>
        logError(
          error,
          'the ingest transaction with grouping failed; writing the batch again without grouping',
        ),
      alertHook: triggers.alertHook,
      caseHook: triggers.caseHook,
      live,
      onStored: (count) => statistics.stored(count),
    });
    const notifyMention =
      options.notifyMention ??
      webhookMentionNotifier(config.notifyWebhookUrl, config.publicUrl, (fields) => logLine(30, fields));
    const cases = new CaseService(db, dialect, audit, triggers.caseHook, {
      live,
      sla: config.sla,
      onMention: (notification) =>
        void notifyMention(notification).catch((e) => logError(e, 'mention notification failed')),
    });
    const assets = new AssetService(db, database.dialect, audit);
    const edl = new EdlStore(db, audit);
    const userAlerts = new UserAlertHistory(db);
    const alertSearch = new AlertSearch(db);
    for (const action of builtinActions({
      cases: () => cases,
      assets: () => assets,
      edl: () => edl,
      history: () => userAlerts,
      locate: () => locateOffline,
      // Opened below; only read when the action runs.
      indicators: () => intel.indicators,
      alerts: () => alertSearch,
    }))
      actions.register(action);
    const secrets = new SecretStore(db, box, audit);
    const outbound = new OutboundHttp({
      allow: config.outboundAllow,
      ...(config.outboundProxy ? { proxyUrl: config.outboundProxy } : {}),
    });
    const intel = openIntel(db, audit, outbound);
    const instances = new InstanceStore(db, database.dialect, box, audit);
    const enrichment = new EnrichmentStore(db);
    const integrations = new IntegrationCatalog(BUILTIN_INTEGRATIONS);
    await integrations.loadPackages(config.integrationPackages);
    const runtime = { instances, http: outbound, enrichment };
    for (const integration of integrations.list())
      for (const action of integrationActions(integration, runtime)) actions.register(action);
    const addIntegration = (definition: IntegrationDefinition): void => {
      integrations.add(definition);
      for (const action of integrationActions(definition, runtime)) actions.register(action);
    };
    const openapiSpecs = new OpenApiSpecStore(db, audit, integrations, addIntegration);
    await openapiSpecs.registerStored((id, error) =>
      logError(error, `stored OpenAPI integration ${id} not loaded`),
    );
    // Every action is registered by now, so the built-ins compile against the full catalogue.
    if (config.builtinPlaybooks && options.migrate !== false) await loadBuiltinPlaybooks(playbooks);
    // With Redis, a scoped worker (the CLI) keeps its own runs' attempts; everything else is shared.
    const queue = redisQueue ? new ScopedQueue(redisQueue) : new InProcessQueue();
    // The engine and the executor/worker refer to each other; these are filled in right below.
    const late: { executor?: ActionExecutor; worker?: RunWorker } = {};
    const engine = new RunEngine({
      db,
      playbooks,
      queue,
      context: new RunContextLoader(db),
      secrets: () => secrets.values(),
      maxCachedLength: config.runCacheMb * 1024 * 1024,
      abortAction: (runId, stepKey) => {
        late.executor?.abort(runId, stepKey);
        redisQueue?.abortEverywhere(runId, stepKey);
      },
      onTaskOpened: (ids) => {
        void publishTasks(db, live, ids).catch((e) => logError(e, 'live task event failed'));
        for (const id of ids)
          void late.worker?.notify(id, 'opened').catch((e) => logError(e, 'task notification failed'));
      },
      onError: logError,
      // With Redis an API process hands its actions straight to the shared queue.
      executesActions: () => workerKind !== undefined || redisQueue !== undefined,
      sharedRuns: redisQueue !== undefined,
    });
    // Attempts waiting or running, and events waiting for the engine's transaction: work this process owes.
    if (!redisQueue) room = () => config.runBacklog - queue.size() - engine.backlog();
    inlineStarts = async () =>
      startsRuns() && room() > 0 ? engine.inlineStarts(await secrets.values()) : null;
    startQueued = (ids) => void engine.start(ids).catch((e) => logError(e, 'starting runs failed'));
    const responseStore = new ResponseStore(db, database.dialect, audit);
    const gate = new ResponseGate(db, responseStore, audit, (taskId) => {
      void publishTasks(db, live, [taskId]).catch((e) => logError(e, 'live task event failed'));
      void late.worker?.notify(taskId, 'opened').catch((e) => logError(e, 'approval notification failed'));
    });
    const response = new ResponseService(db, responseStore, gate, actions, audit, live);
    const executor = new ActionExecutor(
      actions,
      (runId, event) => engine.deliver(runId, event),
      response.hooks(),
    );
    const tasks = new TaskService(db, audit, engine, live);
    const runEvents = new RunCoalescer(live);
    engine.onTransition((runId, state, caseId) => runEvents.transition(runId, state, caseId));
    const poller = new ChangePoller({ db, feed: live, onError: logError });
    const stopPolling = poller.attach();
    const links = new ApprovalLinks(await keyFor(db, box, 'approval-links'), config.publicUrl);
    // Pull options name an integration instance; the poller (made below, once ingest exists) checks them.
    const sources: SourceService = new SourceService(
      db,
      box,
      audit,
      config.signatureWindowSeconds,
      logError,
      (format, options): Promise<void> => pulls.checkOptions(format, options),
    );
    const preparePool = config.ingestThreads > 0 ? new PreparePool(config.ingestThreads) : undefined;
    const ingest = new IngestService(
      writer,
      preparePool,
      (name) => sources.received(name),
      sharedLimits?.buckets,
    );
    const sourceWatch = new SourceWatch({
      db,
      audit,
      // The notification webhook, as tasks and mentions use it; `url` is the console's list of sources.
      notify:
        options.notifySource ??
        (async (notice) => {
          const log = (fields: Record<string, unknown>) => logLine(30, fields);
          log({
            msg: notice.kind === 'source_silent' ? 'source silent' : 'source resumed',
            source: notice.source,
          });
          const url = `${config.publicUrl}/ui/settings?tab=sources`;
          await postNotification(config.notifyWebhookUrl, { ...notice, url }, log, { source: notice.source });
        }),
      raise: async (finding) => {
        const result = await ingest.ingest(ownSource, JSON.stringify(finding), 'application/json', {
          id: 'source-watch',
          type: 'system',
        });
        return result.alertIds[0];
      },
      onError: logError,
    });
    const mailboxes = new MailboxPoller({
      sources,
      ingest,
      read: async (mailbox, take) => {
        const instance = await instances.resolve(imapIntegration, mailbox.instance);
        const read = { folder: mailbox.folder, limit: 50, maxBytes: 25 * 1024 * 1024 };
        return readNewMessages(
          instance.fields,
          mailbox.account ? { ...read, account: mailbox.account } : read,
          take,
          AbortSignal.timeout(5 * 60_000),
        );
      },
      onError: logError,
    });
    const pulls: PullPoller = new PullPoller({
      db,
      audit,
      sources,
      ingest,
      instances,
      http: outbound,
      targets: () => pullTargets(integrations.list()),
      onError: logError,
    });
    const worker = new RunWorker({
      db,
      engine,
      tasks,
      playbooks,
      links,
      linkTtlSeconds: config.approvalLinkTtlSeconds,
      clocks: [
        {
          name: 'enrichment cache sweep',
          everyMs: 10 * 60_000,
          run: async () => void (await enrichment.sweep()),
        },
        {
          name: 'intel feeds',
          everyMs: 60_000,
          run: async () => void (await intel.feeds.refreshDue(nowDate())),
        },
        { name: 'guarded actions', everyMs: 1_000, run: () => executor.retryParked() },
        { name: 'response expiry', everyMs: 5_000, run: async () => void (await response.expireDue()) },
        { name: 'mailbox sources', everyMs: 5_000, run: async () => void (await mailboxes.pollDue()) },
        // Started, not awaited: a slow vendor API must not hold the worker's other clocks.
        { name: 'pulled sources', everyMs: 5_000, run: async () => pulls.startDue() },
        {
          name: 'source silence',
          everyMs: SOURCE_WATCH_EVERY_MS,
          run: async () => void (await sourceWatch.check()),
        },
      ],
      ...(redisQueue ? { lostAttemptsEveryMs: LOST_ATTEMPTS_EVERY_MS } : {}),
      admits: () => room(),
      notify: options.notify ?? webhookNotifier(config.notifyWebhookUrl, (fields) => logLine(30, fields)),
      onError: logError,
    });
    late.executor = executor;
    late.worker = worker;
    const runWorker = worker;
    const runs = new RunService(db, audit, engine, playbooks);
    const syslogListeners: SyslogListener[] = [];
    const startedSyslog = new Set<SyslogListenerConfig>();
    const attachments = new CaseAttachments(db, audit, config.attachmentMaxBytes, live);
    const reports = new CaseReports(
      db,
      audit,
      {
        detail: (id) => cases.get(id),
        observables: (id, cursor) => cases.observables(id, { ...(cursor ? { cursor } : {}), limit: 500 }),
        enrichment: (observables) => enrichment.summaries(observables),
        comments: (id, cursor) => cases.comments(id, { ...(cursor ? { cursor } : {}), limit: 500 }),
        runs: async (id, limit) => (await runs.list({ caseId: id, limit })).items,
        actions: (id) => response.ledger({ caseId: id }),
        timeline: (id, cursor) => cases.timeline(id, { ...(cursor ? { cursor } : {}), limit: 500 }),
        attachments: (id) => attachments.list(id),
      },
      new PdfPrinter(config.chromiumPath),
    );
    const runExecutor = executor;
    // Alerts committed before a crash or a stop are still waiting for their case.
    grouping.notify();
    return {
      config,
      database,
      clock,
      box,
      audit,
      sources,
      sourceWatch,
      ingest,
      mailboxes,
      pulls,
      writer,
      grouping,
      alerts: new AlertQuery(db, dialect),
      triage: new AlertTriage({ db, dialect, audit, caseHook: triggers.caseHook, live }),
      dashboard: new DashboardQuery(db, dialect, undefined, undefined, config.sla),
      views: new SavedViews(db, audit),
      cases,
      users: new UserService(db, audit, config.sessionTtlSeconds, sharedLimits?.attempts),
      sharedLimits,
      oidc: sso?.login,
      tokens: new TokenService(db, audit),
      assets,
      actions,
      playbooks,
      cacao: new CacaoPlaybooks(db, playbooks, audit),
      playbookMetrics: new PlaybookMetricsQuery(db, playbooks),
      runs,
      reports,
      attachments,
      tasks,
      secrets,
      engine,
      worker: runWorker,
      links,
      queue,
      integrations,
      instances,
      enrichment,
      intel,
      outbound,
      addIntegration,
      openapiSpecs,
      response,
      responseRules: responseStore,
      tenants: config.tenant
        ? undefined
        : new TenantService(config, new TenantRegistry(db, audit), openRiposte),
      gate,
      executor,
      edl,
      live,
      async startSyslog() {
        const started: (SyslogListenerConfig & { address: string })[] = [];
        for (const listener of config.syslogListeners) {
          // A tenant's listener runs in that tenant's Riposte (src/server/tenant-host.ts); one started
          // already (a tenant tries again at each refresh) is not started twice.
          if ((listener.tenant && !config.tenant) || startedSyslog.has(listener)) continue;
          const syslog = new SyslogListener(listener, ingest, sources, logError, {
            ...(config.syslogSpoolMaxBytes > 0
              ? {
                  spool: {
                    dir: syslogSpoolDir(config.dataDir, listener),
                    maxBytes: config.syslogSpoolMaxBytes,
                  },
                }
              : {}),
            ...(config.syslogTls ? { tls: config.syslogTls } : {}),
          });
          const bound = await syslog.start();
          syslogListeners.push(syslog);
          startedSyslog.add(listener);
          started.push({
            ...listener,
            port: bound.port,
            address: `${listener.protocol}://${bound.host}:${bound.port}`,
          });
        }
        return started;
      },
      syslogStats() {
        return syslogListeners.map((l) => ({ ...l.config, ...l.readStats() }));
      },
      async startWorker(workerOptions = {}) {
        if (workerKind) return true;
        if (workerOptions.only === undefined && !redisQueue) {
          lease = new ActionLease({
            db,
            clock,
            onError: logError,
            onLost:
              workerOptions.onLeaseLost ??
              ((holder) =>
                logError(
                  new Error(`held by ${holder ? `pid ${holder.pid} on ${holder.host}` : 'nobody known'}`),
                  'this process lost the action lease: another process may now repeat its in-flight actions',
                )),
          });
          if (workerOptions.standby) {
            if (!(await lease.acquire(workerOptions.standby, workerOptions.signal))) return false;
          } else {
            const holder = await lease.tryAcquire();
            if (holder) throw leaseHeldError(holder);
          }
        }
        workerKind = workerOptions.only === undefined ? 'full' : 'scoped';
        if (queue instanceof ScopedQueue && redisQueue) {
          if (workerOptions.only) queue.keepLocal(runExecutor.dispatch, config.actionConcurrency);
          else redisQueue.process(runExecutor.settle, config.actionConcurrency);
          await redisQueue.onAbort((runId, stepKey) => runExecutor.abort(runId, stepKey));
        } else queue.process(runExecutor.dispatch, config.actionConcurrency);
        await runWorker.start(workerOptions.only);
        return true;
      },
      async close() {
        clearInterval(resyncClock);
        // Listeners and pulls first: what they hold is committed while the writer still runs.
        for (const syslog of syslogListeners) await syslog.close();
        await pulls.close();
        await writer.drain();
        await statistics.settled();
        await preparePool?.close();
        await sources.settled();
        await grouping.close();
        await runWorker.stop();
        await queue.close();
        await lease?.release();
        await engine.close();
        stopPolling();
        runEvents.close();
        await poller.close();
        await outbound.close();
        await sso?.outbound.close();
        await sharedLimits?.close();
        await database.close();
      },
    };
  } catch (error) {
    clearInterval(resyncClock);
    await sharedLimits?.close();
    await database.close();
    throw error;
  }
}
