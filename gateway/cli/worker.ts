// `passerelle worker`: runs sync jobs from the BullMQ queues, apart from the HTTP servers so that each scales
// on its own. Stops taking jobs on SIGTERM and lets the running ones finish.
import { Command } from 'commander';
import { loadConfig } from '../config/config.js';
import { createLogger } from '../observability/logger.js';
import { startTracing } from '../observability/tracing.js';
import { openStore } from '../store/db.js';
import { loadSyncSettings, startSyncWorker } from '../sync/jobs/service.js';
import { fail } from './context.js';

export function workerCommand(): Command {
  return new Command('worker')
    .description('Run sync jobs (imports) from the Redis queues; needs REDIS_URL and DATABASE_URL.')
    .option('--concurrency <n>', 'jobs run at once (default: WORKER_CONCURRENCY or 2)')
    .addHelpText('after', `
Environment:
  DATABASE_URL        PostgreSQL server (the same as the gateway's)
  REDIS_URL           Redis server the gateway queues jobs in
  QUEUE_PREFIX        key prefix of the queues (default passerelle; the same as the gateway's)
  WORKER_CONCURRENCY  jobs run at once (default 2; one slot always stays free for small jobs)
  JOB_LOCK_SECONDS    a job whose worker stops answering for this long runs again elsewhere (default 30)
  MAX_EXPANDED_MB     the most a job's archives may expand to on disk, in all (default 4096)
  MAX_EXPANSION_RATIO the most an archive may expand to, as a multiple of its size (default 100)
  PASSERELLE_SYNC_CONFIG  the sync configuration: scheduled pulls and pushes, and where exports go
                      (see deploy/sync-config.example.yaml); the workers fire its schedules
  OTEL_TRACES_EXPORTER    otlp or console: traces of the jobs run (default none; README.md, Configuration)

Without REDIS_URL there is no worker to run: jobs run inside passerelle serve and passerelle import.`)
    .action(async (options: { concurrency?: string }) => {
      const config = loadConfig({ ...process.env, ...(options.concurrency ? { WORKER_CONCURRENCY: options.concurrency } : {}) });
      if (!config.redisUrl) fail('passerelle worker needs REDIS_URL: without Redis, jobs run inside passerelle serve and passerelle import');
      const syncConfig = loadSyncSettings();
      const logger = createLogger(config.logLevel);
      const tracing = await startTracing(config.tracing, 'passerelle-worker');
      const store = await openStore(config);
      await store.migrate();
      const worker = await startSyncWorker(config, store.db, logger, syncConfig);
      logger.info({ concurrency: config.workerConcurrency, prefix: config.queuePrefix }, 'sync worker started');
      const stop = (signal: string) => {
        logger.info({ signal }, 'sync worker stopping');
        worker.close().then(() => store.close()).then(() => tracing.close()).then(() => process.exit(0), (err: unknown) => {
          logger.error({ err }, 'sync worker stop failed');
          process.exit(1);
        });
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
}
