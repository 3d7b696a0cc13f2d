// A real gateway for a test file: its own PostgreSQL schema on the machine's server, its own port; dropped after.
import net from 'node:net';
import { TEST_DATABASE_URL, TEST_REDIS_URL, uniqueSchema } from './database.js';
import { createGateway, type Gateway } from '../../gateway/app.js';
import { loadConfig } from '../../gateway/config/config.js';
import { createLogger, type Logger } from '../../gateway/observability/logger.js';

export { TEST_DATABASE_URL, TEST_REDIS_URL, uniqueSchema };

export interface TestGateway {
  gateway: Gateway;
  baseUrl: string;
  schema: string;
  close(): Promise<void>;
}

/** A port nobody listens on now, for a server a test starts. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function startTestGateway(prefix: string, env: Record<string, string> = {}, logger?: Logger): Promise<TestGateway> {
  const schema = uniqueSchema(prefix);
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const config = loadConfig({
    DATABASE_URL: TEST_DATABASE_URL,
    DATABASE_SCHEMA: schema,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: schema,
    PORT: String(port),
    PUBLIC_URL: baseUrl,
    DEMO_DATA: 'false',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    SHUTDOWN_GRACE: '2',
    ...env,
  });
  const gateway = await createGateway(config, { logger: logger ?? createLogger(config.logLevel) });
  await gateway.start();
  return {
    gateway,
    baseUrl,
    schema,
    async close() {
      await gateway.close();
    },
  };
}
