// The composition root: opens every resource the gateway needs, wires the HTTP app, and closes them in reverse.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import cors from 'cors';
import express, { type Express } from 'express';
import { Redis } from 'ioredis';
import type { Config } from './config/config.js';
import type { AuthorizationServer } from './auth/authorization-server.js';
import { loadCursorKey } from './auth/keys.js';
import { adminClientRoutes } from './admin/clients-routes.js';
import { changesRoutes } from './feeds/changes/routes.js';
import { occupancyRoutes } from './feeds/occupancy/routes.js';
import { rosterRoutes } from './feeds/roster/routes.js';
import { rosterWriteRoutes } from './feeds/roster/write-routes.js';
import { calendarRoutes, subscribedCalendarRoutes } from './feeds/timetable/calendar-routes.js';
import { closureRoutes, timetableRoutes } from './feeds/timetable/routes.js';
import { scopedAccess } from './http/context.js';
import { docsRouter } from './http/docs.js';
import { loadOpenApiDocument } from './http/openapi-document.js';
import { NotFoundProblem } from './errors/problems.js';
import { problemHandler } from './http/problem.js';
import { problemDocsRoutes } from './http/problem-docs.js';
import { requestValidator } from './http/request-validation.js';
import { securityHeaders } from './http/security-headers.js';
import { rateLimit } from './http/rate-limit.js';
import { aggregatesRoutes } from './feeds/aggregates/routes.js';
import { scheduleFactRefresh } from './aggregates/refresh-schedule.js';
import { refuseTokenInQuery } from './http/token-in-query.js';
import { occupancyPageRoutes } from './pages/occupancy-page.js';
import { pageKitRoutes } from './pages/page-kit-routes.js';
import { dashboardPageRoutes } from './pages/dashboard-page.js';
import { healthRoutes } from './observability/health.js';
import { createMetrics, type Metrics } from './observability/metrics.js';
import { createLogger, requestLogger, type Logger } from './observability/logger.js';
import { requestSpans } from './observability/request-spans.js';
import { startTracing } from './observability/tracing.js';
import { openStore, type Store } from './store/db.js';
import { syncJobRoutes } from './feeds/jobs/routes.js';
import { openSyncJobs, type SyncJobs } from './sync/jobs/service.js';
import { startLocalSchedules } from './sync/jobs/schedules.js';
import type { SyncConfig } from './config/sync-config.js';
import type { SsoConfig } from './sso/config.js';
import { ssoPageRoutes } from './sso/pages/routes.js';

export interface Gateway {
  readonly app: Express;
  readonly store: Store;
  readonly auth: AuthorizationServer;
  readonly logger: Logger;
  readonly config: Config;
  readonly jobs: SyncJobs;
  /** Starts listening; resolves with the base URL actually bound. */
  start(): Promise<string>;
  /** Stops taking requests, lets in-flight ones finish (up to the grace period), then closes everything. */
  close(): Promise<void>;
}

export async function createGateway(config: Config, options: { logger?: Logger; syncConfig?: SyncConfig; ssoConfig?: SsoConfig } = {}): Promise<Gateway> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const cleanups: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((err) => logger.error({ err }, 'error while closing'));
  };
  try {
    // First opened, last closed: the spans of everything else's closing are exported too.
    const tracing = await startTracing(config.tracing, 'passerelle-gateway');
    cleanups.push(() => tracing.close());
    const store = await openStore(config, {
      exclusive: true,
      // An unreachable replica is said once per retry period; a replica behind a cursor is routine.
      onReadFallback: (reason, err) => (reason === 'unreachable'
        ? logger.warn({ err: (err as Error | undefined)?.message }, 'read replica unreachable: reading from the primary')
        : logger.debug('read replica behind a cursor: reading from the primary')),
    });
    cleanups.push(() => store.close());
    const applied = await store.migrate();
    if (applied.length) logger.info({ migrations: applied }, 'migrations applied');

    let redis: Redis | undefined;
    if (config.redisUrl) {
      const client = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
      client.on('error', (err) => logger.warn({ err: err.message }, 'redis error'));
      await client.connect().catch((err) => logger.warn({ err: (err as Error).message }, 'redis not reachable at start'));
      redis = client;
      cleanups.push(async () => void (await client.quit().catch(() => client.disconnect())));
    }

    // Loaded here only: oidc-provider warns at import on Node 20, which commands that do not serve never need to say.
    const { createAuthorizationServer } = await import('./auth/authorization-server.js');
    const { createSso } = await import('./sso/sso.js');
    // With Redis, sessions, interactions and a login's steps live there (short-lived, read and written at each step).
    const shortLived = redis ? { client: redis, prefix: config.queuePrefix } : undefined;
    const metrics = createMetrics(store.db, store.reads);
    const sso = await createSso({ config: options.ssoConfig, db: store.db, publicUrl: config.publicUrl, logger, redis: shortLived, onLogin: metrics.loggedIn });
    cleanups.push(() => sso.close());
    const auth = await createAuthorizationServer({ config, db: store.db, logger, sso: sso.providerConfiguration, redis: shortLived });
    cleanups.push(() => auth.close());
    const cursorKey = await loadCursorKey(store.db);

    const jobs = await openSyncJobs(config, store.db, logger, { resume: true, syncConfig: options.syncConfig });
    cleanups.push(() => jobs.close());
    // With Redis, `passerelle worker` fires the schedules; without, this process does.
    if (options.syncConfig && jobs.inProcess) {
      const schedules = startLocalSchedules(store.db, jobs, options.syncConfig, logger);
      cleanups.push(() => schedules.close());
    }

    const facts = scheduleFactRefresh(store.db, config.aggregatesRefreshSeconds, logger);
    cleanups.push(() => facts.close());

    let closing = false;
    const app = buildApp(config, { store, auth, ssoRoutes: sso.routes(auth), metrics, cursorKey, jobs, redis, logger, isClosing: () => closing });
    let server: http.Server | undefined;

    return {
      app, store, auth, logger, config, jobs,
      async start() {
        server = http.createServer(app);
        server.keepAliveTimeout = 65_000;
        await new Promise<void>((resolve, reject) => {
          server!.once('error', reject);
          server!.listen(config.port, config.host, () => resolve());
        });
        const { port } = server.address() as AddressInfo;
        const host = config.host.includes(':') ? `[${config.host}]` : config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
        return `http://${host}:${port}`;
      },
      async close() {
        closing = true;
        if (server) {
          const done = new Promise<void>((resolve) => server!.close(() => resolve()));
          // Keep-alive connections go as soon as they are idle, including those whose request finishes now.
          const sweep = setInterval(() => server!.closeIdleConnections(), 50);
          const grace = setTimeout(() => server!.closeAllConnections(), config.shutdownGraceSeconds * 1000);
          await done;
          clearInterval(sweep);
          clearTimeout(grace);
        }
        await closeAll();
      },
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

interface Parts {
  store: Store;
  auth: AuthorizationServer;
  /** The SSO login pages and upstream callbacks (/sso/…). */
  ssoRoutes: express.Router;
  metrics: Metrics;
  /** Signs the API's cursors (gateway/http/paging.ts). */
  cursorKey: Buffer;
  jobs: SyncJobs;
  redis: Redis | undefined;
  logger: Logger;
  isClosing: () => boolean;
}

function buildApp(config: Config, { store, auth, ssoRoutes, metrics, cursorKey, jobs, redis, logger, isClosing }: Parts): Express {
  const app = express();
  app.locals.cursorKey = cursorKey;
  app.disable('x-powered-by');
  app.set('etag', false); // entity tags are computed per route from what the response shows
  app.set('trust proxy', 'loopback');
  app.use(requestLogger(logger));
  if (config.tracing.exporters.length) app.use(requestSpans());
  app.use(metrics.timing);
  app.use(securityHeaders(config.publicUrl));
  // The authorization server parses its own bodies: it comes before any body parser.
  app.use(auth.handler);
  app.use(ssoPageRoutes());
  app.use(ssoRoutes);
  app.use(healthRoutes(store.db, redis, isClosing, store.reads));
  app.use(metrics.routes);
  const document = loadOpenApiDocument(config.publicUrl);
  app.use(docsRouter(document));
  app.use(problemDocsRoutes(config.publicUrl));
  app.use(subscribedCalendarRoutes(store.db, auth.reloadCaller, store.reads));
  app.use(pageKitRoutes());
  app.use(occupancyPageRoutes());
  app.use(dashboardPageRoutes(store.db, config.publicUrl));

  const v1 = express.Router();
  // Browsers may call the API only from the origins the operator lists; nothing is sent to any other.
  if (config.corsOrigins.length) {
    v1.use(cors({
      origin: [...config.corsOrigins],
      allowedHeaders: ['Authorization', 'Content-Type', 'If-None-Match', 'If-Match', 'Idempotency-Key', 'X-Request-Id'],
      exposedHeaders: ['ETag', 'Link', 'Location', 'Retry-After', 'X-Request-Id'],
      maxAge: 600,
    }));
  }
  const json = express.json({ limit: config.maxJsonBytes, type: ['application/json', 'application/*+json'] });
  // A job's upload is streamed to the store as it arrives, whatever its type: never parsed here.
  v1.use((req, res, next) => (req.method === 'POST' && req.path === '/sync/jobs' ? next() : json(req, res, next)));
  v1.use(refuseTokenInQuery);
  v1.use(auth.authenticate);
  v1.use(rateLimit({
    perMinute: config.rateLimitPerMinute,
    redis: redis ? { client: redis, prefix: config.queuePrefix } : undefined,
    onRefused: metrics.rateLimited,
  }));
  v1.use(scopedAccess(store.db, auth.reloadCaller, undefined, store.reads));
  v1.use(...requestValidator(document));
  v1.use(rosterRoutes(config.publicUrl));
  v1.use(rosterWriteRoutes());
  v1.use(timetableRoutes(config.publicUrl));
  v1.use(calendarRoutes(config.publicUrl));
  v1.use(closureRoutes());
  v1.use(occupancyRoutes(config.publicUrl));
  v1.use(aggregatesRoutes(config.aggregatesThreshold));
  v1.use(changesRoutes(config.publicUrl));
  v1.use(adminClientRoutes());
  v1.use(syncJobRoutes(jobs, config.publicUrl, config.maxUploadBytes));
  app.use('/v1', v1);

  app.use((req, _res, next) => next(new NotFoundProblem(`nothing at ${req.method} ${req.path}`)));
  app.use(problemHandler(config.publicUrl));
  return app;
}
