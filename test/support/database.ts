// Where the suites find the machine's PostgreSQL and Redis, and how each names the schema it works in.
import { randomBytes } from 'node:crypto';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A schema of this suite's own, dropped with the others of the run when it ends (see global-setup.ts). */
export function uniqueSchema(prefix: string): string {
  return `t_${process.env.PASSERELLE_TEST_RUN ?? 'adhoc'}_${prefix}_${randomBytes(4).toString('hex')}`;
}
