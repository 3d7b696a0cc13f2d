// `passerelle export`: files for outside systems. For now the municipal exchange: a commune's pupils.
import fs from 'node:fs';
import { Command } from 'commander';
import { municipalCsv } from '../../connectors/municipal/write.js';
import { communePupils } from '../store/commune-pupils.js';
import { fail, withStore } from './context.js';

export function exportCommand(): Command {
  const command = new Command('export').description('Write files for outside systems (reads DATABASE_URL like the server).');
  command
    .command('municipal')
    .description("A commune's pupils in its écoles, with class, level and guardians' contacts, for municipal family software.")
    .requiredOption('--commune <code>', 'the INSEE code of the commune, such as 69123')
    .option('--format <format>', 'csv (;, UTF-8 with BOM) or json', 'csv')
    .option('--out <file>', 'write to this file instead of the standard output')
    .addHelpText('after', '\nExample:\n  passerelle export municipal --commune 69123 --out eleves-lyon.csv')
    .action(async (options: { commune: string; format: string; out?: string }) => {
      if (!/^(?:[0-9]{5}|2[AB][0-9]{3})$/.test(options.commune)) fail(`--commune ${options.commune}: expected an INSEE commune code of 5 characters, such as 69123`);
      if (options.format !== 'csv' && options.format !== 'json') fail(`--format ${options.format}: expected csv or json`);
      const pupils = await withStore((store) => communePupils(store.db, options.commune.toUpperCase()));
      const text = options.format === 'json' ? `${JSON.stringify(pupils, null, 2)}\n` : [...municipalCsv(pupils)].join('');
      if (options.out) {
        fs.writeFileSync(options.out, text);
        process.stderr.write(`${pupils.length} rows written to ${options.out}\n`);
      } else {
        process.stdout.write(text);
      }
    });
  return command;
}
