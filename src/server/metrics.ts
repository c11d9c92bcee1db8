import type { FastifyInstance } from 'fastify';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The Prometheus metrics one server process exposes at /metrics. */
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
  readonly alertsRejected = new Counter({
    name: 'riposte_alerts_rejected_total',
    help: 'Records rejected at ingest, by source',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'riposte_' });
  }

  attach(app: FastifyInstance): void {
    app.addHook('onResponse', async (request, reply) => {
      this.requests.observe(
        {
          route: request.routeOptions.url ?? 'unmatched',
          method: request.method,
          status: String(reply.statusCode),
        },
        reply.elapsedTime / 1000,
      );
    });
  }
}
