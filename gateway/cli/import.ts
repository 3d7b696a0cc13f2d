// `passerelle import`: loads an export into the store from the command line, with a summary of what changed
// and every rejected line. For now the national directory of establishments; the other connectors follow.
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import Table from 'cli-table3';
import { importAnnuaire, type ImportReport } from '../sync/import-annuaire.js';
import { fail, withStore } from './context.js';

function filesOf(paths: string[]): string[] {
  return paths.flatMap((p) => {
    if (!fs.existsSync(p)) fail(`${p}: no such file or folder`);
    if (!fs.statSync(p).isDirectory()) return [p];
    return fs.readdirSync(p).filter((f) => /\.(csv|json)$/i.test(f)).sort().map((f) => path.join(p, f));
  });
}

export function importCommand(): Command {
  const command = new Command('import').description('Import an export into the store (reads DATABASE_URL like the server).');
  command
    .command('annuaire')
    .description('Import the national directory of establishments (fr-en-annuaire-education), CSV or JSON.')
    .argument('<path...>', 'files, or folders of .csv/.json files')
    .option('--json', 'print the report as one JSON object')
    .addHelpText('after', '\nExample:\n  passerelle import annuaire fr-en-annuaire-education.csv')
    .action(async (paths: string[], options: { json?: boolean }) => {
      const files = filesOf(paths);
      const reports = await withStore(async (store) => {
        const out: { file: string; report: ImportReport }[] = [];
        for (const file of files) {
          const report = await importAnnuaire(store.db, fs.createReadStream(file), {
            file: path.basename(file),
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
        for (const { report } of reports) {
          for (const p of report.problems) process.stdout.write(`${p.file}${p.line ? `:${p.line}` : ''}: ${p.detail}\n`);
        }
      }
      if (failed) process.exitCode = 1;
    });
  return command;
}
