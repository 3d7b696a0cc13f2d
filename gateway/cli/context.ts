// What every sub-command needs: the configuration read once, and a store opened, migrated and closed around it.
import { loadConfig, type Config } from '../config/config.js';
import { openStore, type Store } from '../store/db.js';

export async function withStore<T>(fn: (store: Store, config: Config) => Promise<T>, config: Config = loadConfig()): Promise<T> {
  const store = await openStore(config);
  try {
    await store.migrate();
    return await fn(store, config);
  } finally {
    await store.close();
  }
}

/** Prints a message for people on stderr and exits with the given code; used for bad input on the command line. */
export function fail(message: string, code = 2): never {
  process.stderr.write(`passerelle: ${message}\n`);
  process.exit(code);
}
