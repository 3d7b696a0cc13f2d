// `passerelle serve`: the HTTP gateway. On the embedded default it also loads the demo data the first time
// and prints how to call it. With --workers N, N processes share the port (the servers keep no state of
// their own), so one machine's cores all serve; orchestrators may instead run one process per container.
import cluster from 'node:cluster';
import { Command, InvalidArgumentError } from 'commander';
import { createGateway } from '../app.js';
import { loadConfig, type Config } from '../config/config.js';
import { demoBanner, ensureDemoData } from '../demo/seed.js';
import { createLogger } from '../observability/logger.js';
import { openStore } from '../store/db.js';
import { loadSsoConfig } from '../sso/config.js';
import { loadSyncSettings } from '../sync/jobs/service.js';
import { fail } from './context.js';

function workerCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new InvalidArgumentError('expected an integer from 1 to 64');
  return n;
}

export function serveCommand(): Command {
  return new Command('serve')
    .description('Run the HTTP gateway (API, authorization server, docs).')
    .option('--port <port>', 'port to listen on (default: PORT or 8080)')
    .option('--host <host>', 'address to bind (default: HOST or 127.0.0.1)')
    .option('--workers <n>', 'processes sharing the port (default: WEB_CONCURRENCY or 1); more than 1 needs DATABASE_URL', workerCount)
    .addHelpText('after', `
Environment:
  DATABASE_URL     PostgreSQL server; without it, embedded PostgreSQL in PASSERELLE_DATA_DIR (default ./data)
  DATABASE_READ_URL  a streaming replica of it: listings, look-ups, feeds, occupancy and aggregates read there
  REDIS_URL        Redis server (checked by /ready); with it, sync jobs run in passerelle worker, without, here
  PASSERELLE_SYNC_CONFIG  scheduled pulls and pushes and where exports go (deploy/sync-config.example.yaml)
  PASSERELLE_SSO_CONFIG   the identity providers people log in with (deploy/sso-config.example.yaml)
  PUBLIC_URL       base URL clients reach the gateway at (token issuer, links); default http://localhost:PORT
  DEMO_DATA        load demo data into an empty store (default: true on the embedded default)
  LOG_LEVEL        pino level (default info)
  OTEL_TRACES_EXPORTER  otlp or console: traces of requests, SQL statements and jobs (default none)
  WEB_CONCURRENCY  default for --workers`)
    .action(async (options: { port?: string; host?: string; workers?: number }) => {
      const config = loadConfig({ ...process.env, ...(options.port ? { PORT: options.port } : {}), ...(options.host ? { HOST: options.host } : {}) });
      const workers = options.workers ?? workerCount(process.env.WEB_CONCURRENCY || '1');
      if (workers > 1 && cluster.isPrimary) await superviseWorkers(config, workers);
      else await serveHere(config, cluster.isPrimary);
    });
}

/** One gateway in this process; the primary (or the only process) also sees to the demo data. */
async function serveHere(config: Config, primary: boolean): Promise<void> {
  const gateway = await createGateway(config, { syncConfig: loadSyncSettings(), ssoConfig: await loadSsoConfig(config.publicUrl) });
  const shutdown = (signal: string) => {
    gateway.logger.info({ signal }, 'shutting down');
    gateway.close().then(() => process.exit(0), (err) => {
      gateway.logger.error({ err }, 'shutdown failed');
      process.exit(1);
    });
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  let url: string;
  try {
    url = await gateway.start();
  } catch (error) {
    await gateway.close();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      fail(`port ${config.port} on ${config.host} is already in use: stop what uses it, or set PORT (or --port) to another port`);
    }
    throw error;
  }
  gateway.logger.info({ url: config.publicUrl, bound: url, store: gateway.store.kind }, 'gateway listening');
  if (primary && config.loadDemoData) {
    const credentials = await ensureDemoData({ db: gateway.store.db, dataDir: config.dataDir });
    process.stderr.write(demoBanner({ baseUrl: config.publicUrl, ...credentials }) + '\n');
  }
}

/** Migrates and seeds once, then runs the workers, restarting one that dies and stopping all on SIGTERM. */
async function superviseWorkers(config: Config, workers: number): Promise<void> {
  if (!config.databaseUrl) fail('--workers above 1 needs DATABASE_URL: the embedded database serves a single process');
  const logger = createLogger(config.logLevel);
  const store = await openStore(config);
  try {
    await store.migrate();
    if (config.loadDemoData) {
      const credentials = await ensureDemoData({ db: store.db, dataDir: config.dataDir });
      process.stderr.write(demoBanner({ baseUrl: config.publicUrl, ...credentials }) + '\n');
    }
  } finally {
    await store.close();
  }
  let stopping = false;
  const start = () => cluster.fork({ DEMO_DATA: 'false' });
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    logger.error({ pid: worker.process.pid, code, signal }, 'worker died; starting another');
    start();
  });
  const stop = (signal: NodeJS.Signals) => {
    stopping = true;
    logger.info({ signal }, 'stopping workers');
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  for (let i = 0; i < workers; i += 1) start();
  logger.info({ workers }, 'workers started');
}
