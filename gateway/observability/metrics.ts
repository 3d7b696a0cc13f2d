// Prometheus metrics at /metrics: the process, HTTP requests by route and status, requests refused by the rate
// limit, SSO logins, sync jobs by state (read from their records at scrape time, so every gateway process tells the
// same, workers included), and the change log's head and the read replica's lag behind it.
import { Router, type RequestHandler } from 'express';
import type { Kysely } from 'kysely';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { matchedRoute } from './matched-route.js';
import { jobCounts, oldestQueuedJobAge, recentJobDurations } from '../store/job-stats.js';
import { primaryReads, type ReadSide } from '../store/read-side.js';
import { registerReplicaMetrics } from './replica-metrics.js';
import type { Database } from '../store/tables.js';

export interface Metrics {
  /** Times each request, labelled by the route it matched (never by its raw path: no identifiers in labels). */
  timing: RequestHandler;
  routes: Router;
  /** Counts a request refused by the rate limit (by client: the clients are few and named by the operator). */
  rateLimited(clientId: string): void;
  /** Counts a completed SSO login, by upstream provider and role. */
  loggedIn(provider: string, role: string): void;
}

export function createMetrics(db: Kysely<Database>, reads: ReadSide = primaryReads(db)): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'passerelle_' });
  registerReplicaMetrics(registry, reads);
  const requests = new Histogram({
    name: 'passerelle_http_request_duration_seconds',
    help: 'HTTP requests by method, matched route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  new Gauge({
    name: 'passerelle_sync_jobs',
    help: 'Sync jobs by kind, connector and state',
    labelNames: ['kind', 'connector', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const { count, ...labels } of await jobCounts(db)) this.set(labels, count);
    },
  });
  new Gauge({
    name: 'passerelle_sync_oldest_queued_job_seconds',
    help: 'Age of the oldest queued sync job (0 when none waits): a queue no worker serves grows it',
    registers: [registry],
    async collect() {
      this.set(await oldestQueuedJobAge(db));
    },
  });

  new Gauge({
    name: 'passerelle_sync_job_duration_seconds',
    help: 'Run time of the sync jobs finished in the last hour, by kind, connector and state: their median and longest',
    labelNames: ['kind', 'connector', 'state', 'statistic'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const { kind, connector, state, median, max } of await recentJobDurations(db)) {
        this.set({ kind, connector, state, statistic: 'median' }, median);
        this.set({ kind, connector, state, statistic: 'max' }, max);
      }
    },
  });
  const refusals = new Counter({
    name: 'passerelle_rate_limited_requests_total',
    help: 'Requests refused by the per-client rate limit (429)',
    labelNames: ['client'] as const,
    registers: [registry],
  });

  const logins = new Counter({
    name: 'passerelle_sso_logins_total',
    help: 'SSO logins completed by this process, by upstream provider and role',
    labelNames: ['provider', 'role'] as const,
    registers: [registry],
  });

  const timing: RequestHandler = (req, res, next) => {
    const end = requests.startTimer();
    res.on('finish', () => {
      end({ method: req.method, route: matchedRoute(req) ?? 'unmatched', status: String(res.statusCode) });
    });
    next();
  };
  const routes = Router();
  routes.get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  return {
    timing,
    routes,
    rateLimited: (clientId) => refusals.inc({ client: clientId }),
    loggedIn: (provider, role) => logins.inc({ provider, role }),
  };
}
