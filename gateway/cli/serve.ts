// `passerelle serve`: the HTTP gateway. On the embedded default it also loads the demo data the first time
// and prints how to call it.
import { Command } from 'commander';
import { createGateway } from '../app.js';
import { loadConfig } from '../config/config.js';
import { demoBanner, ensureDemoData } from '../demo/seed.js';

export function serveCommand(): Command {
  return new Command('serve')
    .description('Run the HTTP gateway (API, authorization server, docs).')
    .option('--port <port>', 'port to listen on (default: PORT or 8080)')
    .option('--host <host>', 'address to bind (default: HOST or 127.0.0.1)')
    .addHelpText('after', `
Environment:
  DATABASE_URL   PostgreSQL server; without it, embedded PostgreSQL in PASSERELLE_DATA_DIR (default ./data)
  REDIS_URL      Redis server (checked by /ready; used by sync jobs)
  PUBLIC_URL     base URL clients reach the gateway at (token issuer, links); default http://localhost:PORT
  DEMO_DATA      load demo data into an empty store (default: true on the embedded default)
  LOG_LEVEL      pino level (default info)`)
    .action(async (options: { port?: string; host?: string }) => {
      const config = loadConfig({ ...process.env, ...(options.port ? { PORT: options.port } : {}), ...(options.host ? { HOST: options.host } : {}) });
      const gateway = await createGateway(config);
      const shutdown = (signal: string) => {
        gateway.logger.info({ signal }, 'shutting down');
        gateway.close().then(() => process.exit(0), (err) => {
          gateway.logger.error({ err }, 'shutdown failed');
          process.exit(1);
        });
      };
      process.once('SIGTERM', () => shutdown('SIGTERM'));
      process.once('SIGINT', () => shutdown('SIGINT'));
      const url = await gateway.start();
      gateway.logger.info({ url: config.publicUrl, bound: url, store: gateway.store.kind }, 'gateway listening');
      if (config.loadDemoData) {
        const credentials = await ensureDemoData({ db: gateway.store.db, dataDir: config.dataDir });
        process.stderr.write(demoBanner({ baseUrl: config.publicUrl, ...credentials }) + '\n');
      }
    });
}
