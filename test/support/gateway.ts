// A real gateway for a test file: its own PostgreSQL schema on the machine's server, its own port; dropped after.
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createGateway, type Gateway } from '../../gateway/app.js';
import { loadConfig } from '../../gateway/config/config.js';
import { createLogger, type Logger } from '../../gateway/observability/logger.js';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestGateway {
  gateway: Gateway;
  baseUrl: string;
  schema: string;
  close(): Promise<void>;
}

export function uniqueSchema(prefix: string): string {
  return `t_${prefix}_${randomBytes(4).toString('hex')}`;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}

export async function startTestGateway(prefix: string, env: Record<string, string> = {}, logger?: Logger): Promise<TestGateway> {
  const schema = uniqueSchema(prefix);
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const config = loadConfig({
    DATABASE_URL: TEST_DATABASE_URL,
    DATABASE_SCHEMA: schema,
    REDIS_URL: TEST_REDIS_URL,
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
      await dropSchema(schema);
    },
  };
}
