// A real gateway for a test file: its own PostgreSQL schema on the machine's server, its own port; dropped after.
import { TEST_DATABASE_URL, TEST_REDIS_URL, uniqueSchema } from './database.js';
import { freePort } from './ports.js';
import { createGateway, type Gateway } from '../../gateway/app.js';
import { loadConfig } from '../../gateway/config/config.js';
import { createLogger, type Logger } from '../../gateway/observability/logger.js';
import type { SsoConfig } from '../../gateway/sso/config.js';

export { TEST_DATABASE_URL, TEST_REDIS_URL, uniqueSchema };
export { freePort };

export interface TestGateway {
  gateway: Gateway;
  baseUrl: string;
  schema: string;
  close(): Promise<void>;
}


export async function startTestGateway(prefix: string, env: Record<string, string> = {}, logger?: Logger, options: { ssoConfig?: SsoConfig } = {}): Promise<TestGateway> {
  const schema = uniqueSchema(prefix);
  const port = env.PORT ? Number(env.PORT) : await freePort();
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
  const gateway = await createGateway(config, { logger: logger ?? createLogger(config.logLevel), ssoConfig: options.ssoConfig });
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
