import { defineConfig } from 'vitest/config';

// Suites share one PostgreSQL server and one Redis: each isolates itself (own schema, own key prefix),
// so files may run in parallel; the pool is kept small for a 2-core machine.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
