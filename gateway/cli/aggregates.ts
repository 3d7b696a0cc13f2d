// `passerelle aggregates refresh`: brings the aggregates' facts up to date now (the servers do it every
// AGGREGATES_REFRESH_SECONDS), for the establishments whose records changed since the last refresh, and the
// school days whose lessons changed.
import { Command } from 'commander';
import { refreshFacts } from '../store/aggregates/facts.js';
import { withStore } from './context.js';

export function aggregatesCommand(): Command {
  const aggregates = new Command('aggregates').description('The aggregates the ministry reads (GET /v1/aggregates/{measure}).');
  aggregates.command('refresh')
    .description('Recompute the facts of the establishments whose records changed since the last refresh (all, the first time), and the sums of the school days whose lessons changed.')
    .option('--json', 'print one JSON object instead of text')
    .action(async (options: { json?: boolean }) => {
      const outcome = await withStore((store) => refreshFacts(store.db));
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ ...outcome, seq: String(outcome.seq), refreshedAt: outcome.refreshedAt.toISOString() })}\n`);
        return;
      }
      process.stdout.write(outcome.skipped
        ? 'another process is refreshing the aggregates now; nothing done here\n'
        : `${outcome.establishments} establishment(s) and ${outcome.days} school day(s) of lessons refreshed; the aggregates are up to date with change ${outcome.seq}\n`);
    });
  return aggregates;
}
