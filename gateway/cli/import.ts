// `passerelle import`: loads an export into the store from the command line, with a summary of what changed
// and every rejected line. For now the national directory of establishments; the other connectors follow.
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import Table from 'cli-table3';
import { parseOnde, SOURCE as ONDE } from '../../connectors/onde/parse.js';
import { isValidUai } from '../model/identifiers.js';
import { importAnnuaire, type ImportReport } from '../sync/import-annuaire.js';
import { importRoster } from '../sync/import-roster.js';
import { importAaf } from '../sync/import-aaf.js';
import type { ConnectorProblem } from '../../connectors/kit/problem.js';
import { fail, withStore } from './context.js';

/** The files named, those of a named folder whose names match `pattern` included. */
function filesOf(paths: string[], pattern: RegExp): string[] {
  return paths.flatMap((p) => {
    if (!fs.existsSync(p)) fail(`${p}: no such file or folder`);
    if (!fs.statSync(p).isDirectory()) return [p];
    return fs.readdirSync(p).filter((f) => pattern.test(f)).sort().map((f) => path.join(p, f));
  });
}

function printProblems(problems: ConnectorProblem[]): void {
  for (const p of problems) process.stdout.write(`${p.file}${p.line ? `:${p.line}` : ''}: ${p.severity}: ${p.detail}\n`);
}

export function importCommand(): Command {
  const command = new Command('import').description('Import an export into the store (reads DATABASE_URL like the server).');
  command
    .command('annuaire')
    .description('Import the national directory of establishments (fr-en-annuaire-education), CSV or JSON.')
    .argument('<path...>', 'files, or folders of .csv/.json files')
    .option('--lenient-identifiers', 'accept UAI and INE whose keys do not check out, reporting them as warnings (test feeds carry invented identifiers)')
    .option('--json', 'print the report as one JSON object')
    .addHelpText('after', '\nExample:\n  passerelle import annuaire fr-en-annuaire-education.csv')
    .action(async (paths: string[], options: { lenientIdentifiers?: boolean; json?: boolean }) => {
      const files = filesOf(paths, /\.(csv|json)$/i);
      const reports = await withStore(async (store) => {
        const out: { file: string; report: ImportReport }[] = [];
        for (const file of files) {
          const report = await importAnnuaire(store.db, fs.createReadStream(file), {
            file: path.basename(file),
            lenientIdentifiers: options.lenientIdentifiers,
            onProgress: (counts) => {
              if (!options.json && process.stderr.isTTY) process.stderr.write(`\r${path.basename(file)}: ${counts.created + counts.updated + counts.unchanged} establishments`);
            },
          });
          if (!options.json && process.stderr.isTTY) process.stderr.write('\n');
          out.push({ file, report });
        }
        return out;
      });
      const failed = reports.some(({ report }) => report.problems.some((p) => p.severity === 'error'));
      if (options.json) {
        process.stdout.write(JSON.stringify({ files: reports.map(({ file, report }) => ({ file, ...report })) }) + '\n');
      } else {
        const table = new Table({ head: ['file', 'created', 'updated', 'unchanged', 'rejected'] });
        for (const { file, report } of reports) {
          table.push([path.basename(file), report.counts.created, report.counts.updated, report.counts.unchanged, report.counts.rejected]);
        }
        process.stdout.write(table.toString() + '\n');
        for (const { report } of reports) printProblems(report.problems);
      }
      if (failed) process.exitCode = 1;
    });
  command
    .command('aaf')
    .description('Import a complete AAF delivery (the académie\'s ficAlimMENESR files): pupils, guardians, staff, classes.')
    .argument('<path...>', 'the files, or a folder holding them (EtabEducNat, Eleve, PersRelEleve, PersEducNat)')
    .option('--confirm', 'apply imports that would delete more than the allowed share of an establishment\'s AAF records')
    .option('--lenient-identifiers', 'accept UAI and INE whose keys do not check out, reporting them as warnings (test feeds carry invented identifiers)')
    .option('--json', 'print the report as one JSON object')
    .addHelpText('after', `
The establishments must be known to the gateway (passerelle import annuaire). Each establishment is one
complete import: what AAF delivered before and no longer does becomes a tombstone, and an establishment whose
import would delete more than 20 % of its AAF records is held (nothing written there) until --confirm.

Example:
  passerelle import aaf ./livraison-aaf/`)
    .action(async (paths: string[], options: { confirm?: boolean; lenientIdentifiers?: boolean; json?: boolean }) => {
      const files = filesOf(paths, /\.xml$/i).map((file) => ({ name: path.basename(file), open: () => fs.createReadStream(file) }));
      const report = await withStore((store) => importAaf(store.db, files, { confirmed: options.confirm ?? false, lenientIdentifiers: options.lenientIdentifiers }));
      if (options.json) {
        process.stdout.write(JSON.stringify(report) + '\n');
      } else {
        const table = new Table({ head: ['uai', 'state', 'created', 'updated', 'unchanged', 'deleted', 'rejected'] });
        for (const { uai, report: r } of report.establishments) table.push([uai, r.state, r.counts.created, r.counts.updated, r.counts.unchanged, r.counts.deleted, r.counts.rejected]);
        process.stdout.write(table.toString() + '\n');
        printProblems([...report.problems, ...report.establishments.flatMap((e) => e.report.problems)]);
      }
      if (report.establishments.some((e) => e.report.state === 'held')) process.exitCode = 3;
      else if ([...report.problems, ...report.establishments.flatMap((e) => e.report.problems)].some((p) => p.severity === 'error')) process.exitCode = 1;
    });

  command
    .command('onde')
    .description("Import an ONDE pupils export (CSV) into an école: pupils, classes and their memberships.")
    .argument('<file>', 'the export, as ONDE saves it')
    .requiredOption('--uai <uai>', 'the école the export is from')
    .option('--mode <mode>', 'complete (the export replaces what ONDE delivered before) or delta', 'complete')
    .option('--confirm', 'apply a complete import even if it deletes more than the allowed share')
    .option('--max-deletion-share <share>', 'share of the records a complete import may delete without --confirm', '0.2')
    .option('--lenient-identifiers', 'accept UAI and INE whose keys do not check out, reporting them as warnings (test feeds carry invented identifiers)')
    .option('--encoding <name>', 'the file\'s encoding when known (UTF-8, ISO-8859-1, ISO-8859-15, windows-1252); told from the bytes otherwise')
    .option('--json', 'print the report as one JSON object')
    .addHelpText('after', `
A complete import that would delete more than the allowed share of the école's ONDE records (a truncated
file must never wipe a school) is held: nothing is written, and the command says how many records it would
delete; run it again with --confirm to apply it.

Example:
  passerelle import onde export-eleves.csv --uai 0691234S`)
    .action(async (file: string, options: { uai: string; mode: string; confirm?: boolean; maxDeletionShare: string; encoding?: string; lenientIdentifiers?: boolean; json?: boolean }) => {
      const uai = options.uai.toUpperCase();
      if (!(options.lenientIdentifiers ? /^[0-9]{7}[A-Z]$/.test(uai) : isValidUai(uai))) fail(`--uai ${options.uai}: expected a UAI of 7 digits and its check letter`);
      if (options.mode !== 'complete' && options.mode !== 'delta') fail(`--mode ${options.mode}: expected complete or delta`);
      const share = Number(options.maxDeletionShare);
      if (!(share >= 0 && share <= 1)) fail(`--max-deletion-share ${options.maxDeletionShare}: expected a number from 0 to 1`);
      const [path_] = filesOf([file], /\.csv$/i);
      const report = await withStore((store) => importRoster(store.db, parseOnde(fs.createReadStream(path_), { file: path.basename(path_), encoding: options.encoding }), {
        uai, source: ONDE, mode: options.mode as 'complete' | 'delta', maxDeletionShare: share, confirmed: options.confirm ?? false,
        lenientIdentifiers: options.lenientIdentifiers,
      }));
      if (options.json) {
        process.stdout.write(JSON.stringify(report) + '\n');
      } else {
        const table = new Table({ head: ['state', 'created', 'updated', 'unchanged', 'deleted', 'rejected'] });
        table.push([report.state, report.counts.created, report.counts.updated, report.counts.unchanged, report.counts.deleted, report.counts.rejected]);
        process.stdout.write(table.toString() + '\n');
        printProblems(report.problems);
        if (report.state === 'held') {
          process.stdout.write(`held: the import would delete ${report.deletions} of the ${report.total} ONDE records of ${uai}; nothing was written. Check the file, then run again with --confirm to apply it.\n`);
        }
      }
      if (report.state === 'held') process.exitCode = 3;
      else if (report.state === 'failed' || report.problems.some((p) => p.severity === 'error')) process.exitCode = 1;
    });
  return command;
}
