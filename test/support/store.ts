// A migrated store in its own PostgreSQL schema, for tests that work below HTTP.
import { openStore, type Store } from '../../gateway/store/db.js';
import { TEST_DATABASE_URL, uniqueSchema } from './database.js';

export async function openTestStore(prefix: string): Promise<Store & { schema: string }> {
  const schema = uniqueSchema(prefix);
  const store = await openStore({ databaseUrl: TEST_DATABASE_URL, databaseSchema: schema, dataDir: '' });
  await store.migrate();
  return { ...store, schema };
}
