// `passerelle audit`: who read which personal data, newest first.
import { Command, InvalidArgumentError } from 'commander';
import { isUaiShaped } from '../model/identifiers.js';
import { readAudit } from '../store/audit.js';
import { withStore } from './context.js';
import { outputTable } from './table.js';

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new InvalidArgumentError('expected an integer from 1 to 100000');
  return n;
}

function instant(value: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new InvalidArgumentError('expected a date or an instant, such as 2026-11-23 or 2026-11-23T08:00:00Z');
  return date;
}

function uai(value: string): string {
  if (!isUaiShaped(value)) throw new InvalidArgumentError('expected a UAI: 7 digits and a letter');
  return value;
}

export function auditCommand(): Command {
  return new Command('audit')
    .description('Show the audit log, newest first: personal-data reads (client, establishment, entity, count) and SSO events (logins, links to roster people, claims released to a service).')
    .option('--client <clientId>', 'only this API client')
    .option('--uai <uai>', 'only this establishment', uai)
    .option('--action <action>', 'only this action: read, sso.login, sso.link or sso.claims')
    .option('--since <instant>', 'only reads at or after this date or instant', instant)
    .option('--limit <n>', 'at most this many entries (default 100)', positive, 100)
    .option('--json', 'the entries as one JSON array')
    .action(async (options: { client?: string; uai?: string; action?: string; since?: Date; limit: number; json?: boolean }) => {
      const rows = await withStore((store) =>
        readAudit(store.db, { clientId: options.client, uai: options.uai, action: options.action, since: options.since, limit: options.limit }));
      if (options.json) {
        process.stdout.write(JSON.stringify(rows.map((row) => ({
          at: row.at.toISOString(), action: row.action, clientId: row.client_id, uai: row.uai, entity: row.entity, count: row.count, requestId: row.request_id, ...(row.detail ? { detail: row.detail } : {}),
        }))) + '\n');
        return;
      }
      if (rows.length === 0) {
        process.stdout.write('nothing recorded for this filter\n');
        return;
      }
      const table = outputTable(['at', 'action', 'client', 'uai', 'entity', 'count', 'request']);
      for (const row of rows) table.push([row.at.toISOString(), row.action, row.client_id, row.uai ?? '', row.entity, row.count, row.request_id ?? '']);
      process.stdout.write(table.toString() + '\n');
    });
}
