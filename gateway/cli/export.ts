// `passerelle export`: files for outside systems: the municipal exchange (a commune's pupils) and the GAR
// delivery of one establishment.
import fs from 'node:fs';
import { Command } from 'commander';
import { municipalCsv } from '../../connectors/municipal/write.js';
import { isUaiShaped } from '../model/identifiers.js';
import { communePupils } from '../feeds/exports/queries.js';
import { DEFAULT_ENT_ID, exportGar, UnknownEstablishmentError } from '../sync/export-gar.js';
import { fail, withStore } from './context.js';
import { outputTable } from './table.js';

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
  command
    .command('gar')
    .description("An establishment's GAR-ENT complete files (digital resources: pupils, teachers and staff with their profiles, classes, groups, memberships, subjects), packed as the GAR takes them.")
    .requiredOption('--uai <uai>', 'the establishment')
    .requiredOption('--out <dir>', 'the folder to write into (made if missing)')
    .option('--ent-id <id>', "the ENT's identifier at the GAR, which starts every file name", DEFAULT_ENT_ID)
    .option('--json', 'print the report as one JSON object')
    .addHelpText('after', `
An école gets the first-degree files (GAR-ENT-1D v1.4), any other establishment the second-degree ones
(GAR-ENT v1.7). Files hold at most 10,000 nodes each and are named
<ent-id>_GAR-ENT_Complet_<yyyyMMdd_HHmmss>_<1D|2D>_<Etab|Eleve|Enseignant|Groupe>_<NNNN>.xml; all of them go into
<ent-id>_GAR-ENT_Complet_<yyyyMMdd_HHmmss>_<1D|2D>.tar.gz, with its MD5 in a .md5 file of the same name.
Records GAR-ENT cannot express (a missing name, a code too long) are left out and listed; the exit code is then 1.

Example:
  passerelle export gar --uai 0691234S --out ./gar --ent-id ENT-RHONE`)
    .action(async (options: { uai: string; out: string; entId: string; json?: boolean }) => {
      const uai = options.uai.toUpperCase();
      // A look-up: any UAI the store holds, test feeds' included; the store says whether it is there.
      if (!isUaiShaped(uai)) fail(`--uai ${options.uai}: expected a UAI of 7 digits and a letter`);
      if (!/^[A-Za-z0-9-]{1,64}$/.test(options.entId)) fail(`--ent-id ${options.entId}: expected letters, digits and dashes (it goes into file names)`);
      const report = await withStore((store) => exportGar(store.db, { uai, outDir: options.out, entId: options.entId })).catch((error: unknown) => {
        if (error instanceof UnknownEstablishmentError) fail(`--uai ${uai}: ${error.message}`);
        throw error;
      });
      if (options.json) {
        process.stdout.write(JSON.stringify(report) + '\n');
      } else {
        const table = outputTable(['element', 'written']);
        for (const [element, count] of Object.entries(report.counts)) table.push([element, count]);
        process.stdout.write(`${table.toString()}\n${report.files.join('\n')}\n`);
        for (const p of report.problems) process.stdout.write(`${p.entity} ${p.id}${p.field ? ` ${p.field}` : ''}: ${p.severity}: ${p.detail}\n`);
      }
      if (report.problems.some((p) => p.severity === 'error')) process.exitCode = 1;
    });
  return command;
}
