import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { TERMINAL_RUN_STATUSES } from '../engine/engine-types.ts';
import type { RunEngine } from '../runs/run-engine.ts';
import type { DatabaseClock } from '../store/database-clock.ts';
import { nowMs } from '../core/clock.ts';
import type { SourceService } from '../sources/source-service.ts';
import type { SyslogStats } from '../ingest/syslog-listener.ts';
import type { LimitRefusals, SourceAlertLimiter } from '../ingest/source-alert-limit.ts';
import type { WalCheckpointer } from '../store/wal-checkpointer.ts';
import type { RateLimiter } from './rate-limit.ts';
import type { RedisLimits } from '../limits/redis-limits.ts';
import type { IngestCounts } from '../ingest/ingest-service.ts';

/** What a tenant's ingest took in and was refused in this process (for the main installation's /metrics). */
export interface TenantIngestCounts extends IngestCounts {
  /** Requests, syslog batches and pulled pages refused by an alert limit (the source's or the tenant's). */
  limited: number;
  /** The alerts in them. */
  limitedAlerts: number;
}

/** What the main installation's /metrics reads of the tenants open in this process. */
export interface TenantCounts {
  states(): Record<string, number>;
  ingestCounts(): ReadonlyMap<string, TenantIngestCounts>;
}
import type { PullPoller } from '../pull/pull-poller.ts';

/** The Prometheus metrics one server process exposes at /metrics. */
/** How often the sources' activity is read for /metrics at most. */
const SOURCES_READ_EVERY_MS = 10_000;

export class ServerMetrics {
  readonly registry = new Registry();
  readonly requests = new Histogram({
    name: 'riposte_http_request_duration_seconds',
    help: 'HTTP request duration by route, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [this.registry],
  });
  readonly alertsIngested = new Counter({
    name: 'riposte_alerts_ingested_total',
    help: 'Alerts stored as new, by source',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });
  readonly alertsDuplicate = new Counter({
    name: 'riposte_alerts_duplicate_total',
    help: 'Alerts counted as duplicates of a stored alert, by source',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });
  readonly storageUnavailable = new Counter({
    name: 'riposte_storage_unavailable_total',
    help: 'Requests answered 503 storage_unavailable, by what the database said (full, disk, read-only, busy, resources, unreachable)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly alertsRejected = new Counter({
    name: 'riposte_alerts_rejected_total',
    help: 'Records rejected at ingest, by source',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });

  readonly runsFinished = new Counter({
    name: 'riposte_runs_finished_total',
    help: 'Playbook runs that reached an end, by playbook and status',
    labelNames: ['playbook', 'status'] as const,
    registers: [this.registry],
  });
  readonly runDuration = new Histogram({
    name: 'riposte_run_duration_seconds',
    help: 'From start to end of a playbook run, by playbook',
    labelNames: ['playbook'] as const,
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 30, 60, 300, 1800, 3600, 86400],
    registers: [this.registry],
  });
  readonly runTransitions = new Counter({
    name: 'riposte_run_transitions_total',
    help: 'Committed run transitions in this process',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'riposte_' });
  }

  /** Counts what the engine commits in this process. */
  watchRuns(engine: RunEngine): void {
    engine.onTransition((_runId, state) => {
      this.runTransitions.inc();
      if (state.finishedAt === null || !TERMINAL_RUN_STATUSES.includes(state.status)) return;
      this.runsFinished.inc({ playbook: state.playbookId, status: state.status });
      this.runDuration.observe(
        { playbook: state.playbookId },
        (Date.parse(state.finishedAt) - Date.parse(state.startedAt)) / 1000,
      );
    });
  }

  /** SQLite's checkpoint thread (src/store/wal-checkpointer.ts), read at each scrape. */
  watchCheckpoints(checkpointer: WalCheckpointer): void {
    const { stats } = checkpointer;
    const gauges: [name: string, help: string, read: () => number][] = [
      [
        'riposte_sqlite_checkpoints',
        'WAL checkpoints the checkpoint thread finished since start',
        () => stats.checkpoints,
      ],
      ['riposte_sqlite_wal_frames', 'Frames in the SQLite WAL at the last checkpoint', () => stats.walFrames],
      [
        'riposte_sqlite_checkpoint_thread_up',
        '1 while the checkpoint thread checkpoints; 0 once it failed and the main connection took over',
        () => (stats.failures === 0 ? 1 : 0),
      ],
    ];
    for (const [name, help, read] of gauges) {
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.set(read());
        },
      });
    }
  }

  /** This process's clock against the database's, asked at each scrape (the last answer if it fails). */
  watchClock(clock: DatabaseClock): void {
    new Gauge({
      name: 'riposte_database_clock_offset_seconds',
      help: "The database's clock minus this process's; Riposte's timers, expiries and recorded times keep to the database's",
      registers: [this.registry],
      async collect() {
        this.set((await clock.sync().catch(() => clock.offsetMs)) / 1000);
      },
    });
  }

  /**
   * What each source sent lately (read at most every 10 s): the age of its newest alert (absent until it
   * sent one) and the last hour's count (up to the sources list's cap). Alert on the age to hear of a
   * sensor that went quiet.
   */
  watchSources(sources: SourceService): void {
    // Read at most every 10 seconds (the endpoint is public: scrapes must not become database load),
    // shared by both gauges; a scrape while the database is away answers without these series.
    let read: { at: number; list: ReturnType<SourceService['listWithActivity']> } | undefined;
    const listed = () => {
      if (read === undefined || performance.now() - read.at > SOURCES_READ_EVERY_MS)
        read = { at: performance.now(), list: sources.listWithActivity().catch(() => []) };
      return read.list;
    };
    new Gauge({
      name: 'riposte_source_last_alert_age_seconds',
      help: 'Seconds since the newest alert of each ingest source was received (absent before its first)',
      labelNames: ['source'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        const now = nowMs();
        for (const s of await listed())
          if (s.activity.lastAlertAt !== null)
            this.set({ source: s.name }, Math.max(0, (now - Date.parse(s.activity.lastAlertAt)) / 1000));
      },
    });
    new Gauge({
      name: 'riposte_source_silent',
      help: 'For each source watched for silence (expectWithinSeconds set): 1 while it is reported silent, else 0',
      labelNames: ['source'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const s of await listed())
          if (s.expectWithinSeconds !== null) this.set({ source: s.name }, s.silentSince === null ? 0 : 1);
      },
    });
    new Gauge({
      name: 'riposte_source_alerts_last_hour',
      help: 'Alerts each ingest source sent in the last hour (counted up to 10,000)',
      labelNames: ['source'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const s of await listed()) this.set({ source: s.name }, s.activity.lastHour);
      },
    });
  }

  /**
   * The syslog listeners' counts by source and outcome: received, accepted, duplicate, rejected,
   * dropped (too long, or UDP with no room left in the spool or memory) — syslog cannot tell its
   * sender — and replayed (left in the spool by an earlier process, ingested by this one); and how
   * much each spool holds.
   */
  watchSyslog(stats: () => (SyslogStats & { source: string; protocol: string })[]): void {
    new Counter({
      name: 'riposte_syslog_messages_total',
      help: 'Syslog messages by listener source, protocol and outcome (received, accepted, duplicate, rejected, dropped, replayed, kernel_dropped)',
      labelNames: ['source', 'protocol', 'outcome'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const l of stats())
          for (const [outcome, n] of [
            ['received', l.received],
            ['accepted', l.accepted],
            ['duplicate', l.duplicates],
            ['rejected', l.rejected],
            ['dropped', l.dropped],
            ['replayed', l.replayed],
            ['kernel_dropped', l.kernelDropped],
          ] as const)
            this.inc({ source: l.source, protocol: l.protocol, outcome }, n);
      },
    });
    new Counter({
      name: 'riposte_syslog_batches_held_total',
      help: 'Syslog batches held back because the database could not take them or the source was over its alert limit, and tried again later',
      labelNames: ['source', 'protocol'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const l of stats()) this.inc({ source: l.source, protocol: l.protocol }, l.held);
      },
    });
    new Counter({
      name: 'riposte_syslog_tls_refused_total',
      help: 'Connections a tls:// syslog listener refused at the handshake (no or an untrusted certificate, not TLS)',
      labelNames: ['source', 'protocol'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const l of stats())
          if (l.protocol === 'tls') this.inc({ source: l.source, protocol: l.protocol }, l.tlsRefused);
      },
    });
    new Gauge({
      name: 'riposte_syslog_spool_bytes',
      help: "Bytes each syslog listener's spool (its backlog on disk) holds",
      labelNames: ['source', 'protocol'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const l of stats()) this.set({ source: l.source, protocol: l.protocol }, l.spoolBytes);
      },
    });
  }

  /** API requests this process refused for going over a principal's rate limit. */
  watchRateLimit(limiter: RateLimiter): void {
    new Counter({
      name: 'riposte_rate_limited_total',
      help: 'API requests refused with 429 for going over the per-principal rate limit (this process)',
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(limiter.refused);
      },
    });
  }

  /** With Redis: whether the shared limits reach it, and the decisions this process took alone. */
  watchSharedLimits(limits: RedisLimits): void {
    new Gauge({
      name: 'riposte_shared_limits_connected',
      help: 'Whether this process reaches the Redis that keeps the rate limits, alert limits and login throttle of the deployment (1) or holds them on its own meanwhile (0)',
      registers: [this.registry],
      collect() {
        this.set(limits.connected ? 1 : 0);
      },
    });
    new Counter({
      name: 'riposte_shared_limits_fallbacks_total',
      help: 'Rate-limit, alert-limit and login-throttle decisions this process took on its own because Redis was out of reach',
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(limits.fallbacks);
      },
    });
  }

  /**
   * What sources over an alert limit (their own or their tenant's) were refused in this process:
   * requests, syslog batches and pulled pages, and the alerts in them.
   */
  watchSourceLimits(limits: SourceAlertLimiter): void {
    const counter = (name: string, help: string, kind: keyof LimitRefusals) =>
      new Counter({
        name,
        help,
        labelNames: ['source'] as const,
        registers: [this.registry],
        collect() {
          this.reset();
          for (const [source, refused] of limits.refusals()) this.inc({ source }, refused[kind]);
        },
      });
    counter(
      'riposte_source_limited_total',
      'Requests, syslog batches and pulled pages refused (nothing stored; to be sent again) because their source was over its alert limit or its tenant’s (this process)',
      'requests',
    );
    counter(
      'riposte_source_limited_alerts_total',
      'Alerts in those refused requests, batches and pages (this process)',
      'alerts',
    );
  }

  /** The tenants this process serves, by state (open, disabled, failing to open). */
  watchTenants(hosts: TenantCounts): void {
    new Gauge({
      name: 'riposte_tenants',
      help: 'Tenants in this process by state: open, disabled, failing (listed as active but failing to open)',
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [state, n] of Object.entries(hosts.states())) this.set({ state }, n);
      },
    });
    new Counter({
      name: 'riposte_tenant_alerts_total',
      help: "Each tenant's ingest in this process, by outcome: alerts stored (accepted), duplicates, records rejected, and alerts an alert limit refused (limited; sent again later)",
      labelNames: ['tenant', 'outcome'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [tenant, counts] of hosts.ingestCounts()) {
          this.inc({ tenant, outcome: 'accepted' }, counts.accepted);
          this.inc({ tenant, outcome: 'duplicate' }, counts.duplicates);
          this.inc({ tenant, outcome: 'rejected' }, counts.rejected);
          this.inc({ tenant, outcome: 'limited' }, counts.limitedAlerts);
        }
      },
    });
    new Counter({
      name: 'riposte_tenant_limited_total',
      help: "Requests, syslog batches and pulled pages of each tenant an alert limit (its source's or the tenant's) refused in this process",
      labelNames: ['tenant'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [tenant, counts] of hosts.ingestCounts()) this.inc({ tenant }, counts.limited);
      },
    });
  }

  /**
   * Pulled sources: this process's polls by outcome (ok, failed) and the records they read by what
   * became of them (stored, duplicate, rejected); and from the database, whichever process polled,
   * each source's failures in a row and the age of its last successful poll (read at most every 10 s).
   */
  watchPulls(pulls: PullPoller): void {
    const counter = (name: string, help: string, kind: 'polls' | 'records') =>
      new Counter({
        name,
        help,
        labelNames: ['source', 'outcome'] as const,
        registers: [this.registry],
        collect() {
          this.reset();
          for (const [source, outcomes] of pulls.counts[kind] as Map<string, Map<string, number>>)
            for (const [outcome, n] of outcomes) this.inc({ source, outcome }, n);
        },
      });
    counter(
      'riposte_pull_polls_total',
      'Polls of pulled sources in this process, by source and outcome (ok, failed)',
      'polls',
    );
    counter(
      'riposte_pull_records_total',
      'Records pulled from vendor APIs in this process, by source and outcome (stored, duplicate, rejected)',
      'records',
    );
    let read: { at: number; rows: ReturnType<PullPoller['store']['rows']> } | undefined;
    const rows = () => {
      if (read === undefined || performance.now() - read.at > SOURCES_READ_EVERY_MS)
        read = { at: performance.now(), rows: pulls.store.rows().catch(() => []) };
      return read.rows;
    };
    new Gauge({
      name: 'riposte_pull_failures',
      help: 'Polls of each pulled source that failed in a row (0 after a success)',
      labelNames: ['source'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const r of await rows()) this.set({ source: r.source }, Number(r.failures));
      },
    });
    new Gauge({
      name: 'riposte_pull_last_success_age_seconds',
      help: 'Seconds since the last successful poll of each pulled source (absent before its first)',
      labelNames: ['source'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        const now = nowMs();
        for (const r of await rows())
          if (r.last_success_at !== null)
            this.set({ source: r.source }, Math.max(0, (now - Date.parse(r.last_success_at)) / 1000));
      },
    });
  }

  attach(app: FastifyInstance): void {
    app.addHook('onResponse', (request, reply, done) => {
      this.requests.observe(
        {
          route: request.routeOptions.url ?? 'unmatched',
          method: request.method,
          status: String(reply.statusCode),
        },
        reply.elapsedTime / 1000,
      );
      done();
    });
  }
}
