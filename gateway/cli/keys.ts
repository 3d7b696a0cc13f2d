// `passerelle keys`: the authorization server's signing keys. Rotation is without downtime: a new key becomes
// current as each server reloads (within a minute), the old one stays published until it is retired.
import { Command } from 'commander';
import { KeyError, listSigningKeys, retireSigningKey, rotateSigningKey } from '../auth/keys.js';
import { withStore, fail } from './context.js';
import { outputTable } from './table.js';

export function keysCommand(): Command {
  const keys = new Command('keys').description('Manage the signing keys of access tokens (list, rotate, retire).');

  keys.command('list')
    .description('List the signing keys, newest first, with the current one marked.')
    .option('--json', 'the keys as one JSON array')
    .action(async (options: { json?: boolean }) => {
      const rows = await withStore((store) => listSigningKeys(store.db));
      if (options.json) {
        process.stdout.write(JSON.stringify(rows) + '\n');
        return;
      }
      const table = outputTable(['kid', 'created', 'retired', 'current']);
      for (const k of rows) table.push([k.kid, k.createdAt.toISOString(), k.retiredAt?.toISOString() ?? '', k.current ? 'yes' : '']);
      process.stdout.write(table.toString() + '\n');
    });

  keys.command('rotate')
    .description('Add a new signing key; it becomes current as each server reloads its keys (within a minute).')
    .addHelpText('after', '\nTokens signed by the previous key keep verifying until you retire it: wait at least the\naccess-token lifetime (ACCESS_TOKEN_TTL) after the rotation before `passerelle keys retire OLD_KID`.')
    .action(async () => {
      const kid = await withStore((store) => rotateSigningKey(store.db));
      process.stdout.write(`new signing key ${kid}; servers pick it up within a minute\n`);
    });

  keys.command('retire')
    .argument('<kid>', 'the key to stop publishing')
    .description('Stop publishing a signing key: tokens it signed are refused from then on.')
    .action(async (kid: string) => {
      try {
        await withStore((store) => retireSigningKey(store.db, kid));
      } catch (error) {
        if (error instanceof KeyError) fail(error.message);
        throw error;
      }
      process.stdout.write(`signing key ${kid} retired\n`);
    });
  return keys;
}
