// The aggregates' facts refreshed every few minutes by each gateway process (the refresh itself makes sure only
// one works at a time), the first time soon after start so that a fresh store answers within seconds.
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { refreshFacts } from '../store/aggregates/facts.js';
import type { Database } from '../store/tables.js';

const FIRST_REFRESH_MS = 5_000;
/**
 * The lesson days one scheduled refresh sums at most (about 3 minutes): a backlog of millions, after the upgrade
 * that brought the day sums, must not hold the facts' refreshes back for hours.
 */
const DAYS_PER_REFRESH = 100_000;

export function scheduleFactRefresh(db: Kysely<Database>, everySeconds: number, logger: Pick<Logger, 'info' | 'warn'>): { close(): Promise<void> } {
  if (everySeconds <= 0) return { close: async () => undefined };
  let running: Promise<void> | undefined;
  const refresh = () => {
    running ??= refreshFacts(db, DAYS_PER_REFRESH)
      .then((outcome) => {
        if (outcome.establishments || outcome.days) logger.info({ establishments: outcome.establishments, days: outcome.days, seq: String(outcome.seq) }, 'aggregates refreshed');
      }, (err: unknown) => logger.warn({ err }, 'aggregates refresh failed'))
      .finally(() => { running = undefined; });
  };
  const first = setTimeout(refresh, Math.min(FIRST_REFRESH_MS, everySeconds * 1000));
  const timer = setInterval(refresh, everySeconds * 1000);
  first.unref();
  timer.unref();
  return {
    async close() {
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}
