// A migrated store in its own PostgreSQL schema, for tests that work below HTTP.
import { openStore, type Store } from '../../gateway/store/db.js';
import { dropSchema, TEST_DATABASE_URL, uniqueSchema } from './gateway.js';

export async function openTestStore(prefix: string): Promise<Store & { schema: string; drop(): Promise<void> }> {
  const schema = uniqueSchema(prefix);
  const store = await openStore({ databaseUrl: TEST_DATABASE_URL, databaseSchema: schema, dataDir: '' });
  await store.migrate();
  return {
    ...store,
    schema,
    async drop() {
      await store.close();
      await dropSchema(schema);
    },
  };
}
