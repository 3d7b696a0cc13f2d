import { randomBytes } from 'node:crypto';
import { defineConfig } from 'vitest/config';

// Every schema a run creates starts with t_<run>_, and the run drops them all at its end (never one suite
// while others run: dropping a schema races with another suite's catalog queries). Workers inherit the id.
process.env.PASSERELLE_TEST_RUN ??= randomBytes(4).toString('hex');

// Suites share one PostgreSQL server and one Redis: each isolates itself (own schema, own key prefix),
// so files may run in parallel; the pool is kept small for a 2-core machine.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    globalSetup: ['test/support/global-setup.ts'],
  },
});
