// `passerelle migrate`: applies pending store migrations (the server also does at start).
import { Command } from 'commander';
import { loadConfig } from '../config/config.js';
import { openStore } from '../store/db.js';

export function migrateCommand(): Command {
  return new Command('migrate')
    .description('Apply pending database migrations (serve also does this at start).')
    .option('--json', 'print the applied migrations as JSON')
    .action(async (options: { json?: boolean }) => {
      const store = await openStore(loadConfig());
      try {
        const applied = await store.migrate();
        if (options.json) process.stdout.write(JSON.stringify({ applied }) + '\n');
        else process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'the database is up to date\n');
      } finally {
        await store.close();
      }
    });
}
