// `passerelle import CONNECTOR PATH...`: submits export files (a folder's files, or archives) as a sync job
// and follows it to the end: a progress bar and a summary table, or with --json the finished job. Without
// REDIS_URL the job runs in this process; with it, a `passerelle worker` runs it.
import fs from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../config/config.js';
import { isUaiShaped, isValidUai } from '../model/identifiers.js';
import { commandLogger } from '../observability/logger.js';
import type { ImporterDefinition } from '../sync/importer.js';
import { IMPORTER_NAMES, IMPORTERS, importerNamed } from '../sync/importers.js';
import { OPERATOR } from '../store/jobs.js';
import { openSyncJobs } from '../sync/jobs/service.js';
import { fail, withStore } from './context.js';
import { reportSubmitted } from './job-output.js';

/** The files named, and the files of the folders named (hidden ones left out), in name order. */
function filesOf(paths: string[]): string[] {
  return paths.flatMap((p) => {
    if (!fs.existsSync(p)) fail(`${p}: no such file or folder`);
    if (!fs.statSync(p).isDirectory()) return [p];
    const inside = fs.readdirSync(p).filter((f) => !f.startsWith('.') && fs.statSync(path.join(p, f)).isFile()).sort();
    if (inside.length === 0) fail(`${p}: the folder holds no file`);
    return inside.map((f) => path.join(p, f));
  });
}

function share(value: string): number {
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError('expected a number from 0 to 1');
  return n;
}

/** The connectors, as --help lists them: each one's summary, what it needs, and the files it reads. */
function connectorsHelp(importers: readonly ImporterDefinition[]): string {
  const width = Math.max(...importers.map((i) => i.name.length)) + 2;
  return importers.map((importer) => {
    const needs = [importer.needs.uai ? 'needs --uai' : '', importer.needs.admin ? 'the admin scope over the API' : ''].filter(Boolean).join('; ');
    return `  ${importer.name.padEnd(width)}${importer.summary}${needs ? `; ${needs}` : ''}\n  ${''.padEnd(width)}files: ${importer.files.description}`;
  }).join('\n');
}

interface ImportOptions {
  uai?: string;
  mode: string;
  confirm?: boolean;
  maxDeletionShare?: number;
  lenientIdentifiers?: boolean;
  encoding?: string;
  json?: boolean;
  wait: boolean;
}

export function importCommand(): Command {
  return new Command('import')
    .description('Import export files into the store as a sync job, and follow it (reads DATABASE_URL and REDIS_URL like the server).')
    .argument('<connector>', `the export's format: ${IMPORTER_NAMES.join(', ')}`)
    .argument('<path...>', 'files, folders of files, or archives (zip, tar, tar.gz) of one delivery')
    .option('--uai <uai>', `the establishment, for exports that do not name it (required for ${IMPORTERS.filter((i) => i.needs.uai).map((i) => i.name).join(', ')})`)
    .option('--mode <mode>', 'complete (the export replaces what this source delivered before) or delta', 'complete')
    .option('--confirm', 'apply a complete import even if it deletes more than the allowed share of an establishment\'s records')
    .option('--max-deletion-share <share>', 'share of an establishment\'s records a complete import may delete without confirmation (default 0.2)', share)
    .option('--lenient-identifiers', 'accept UAI and INE whose keys do not check out, reporting them as warnings (test feeds carry invented identifiers)')
    .option('--encoding <name>', 'the files\' encoding when known (UTF-8, ISO-8859-1, ISO-8859-15, windows-1252); told from the bytes otherwise')
    .option('--json', 'print the finished job as one JSON object, with its problems')
    .option('--no-wait', 'return once the job is queued (with REDIS_URL), printing its id')
    .addHelpText('after', `
Connectors:
${connectorsHelp(IMPORTERS)}

A complete import that would delete more than the allowed share of an establishment's records (a truncated
file must never wipe a school) is held: nothing is written there, and the command exits with code 3; check
the export, then apply it with passerelle jobs confirm ID. Exit codes: 0 done, 1 failed or lines rejected,
2 bad command line, 3 held.

Examples:
  passerelle import annuaire fr-en-annuaire-education.csv
  passerelle import aaf ./livraison-aaf/ --lenient-identifiers
  passerelle import onde export-eleves.csv --uai 0691234S --mode complete`)
    .action(async (connector: string, paths: string[], options: ImportOptions, command: Command) => {
      const importer = importerNamed(connector);
      if (!importer) fail(`${connector}: no such connector; expected one of ${IMPORTER_NAMES.join(', ')}`);
      if (importer.needs.uai && !options.uai) fail(`--uai is required for ${connector}: its files do not name their establishment`);
      const uai = options.uai?.toUpperCase();
      if (uai && !(options.lenientIdentifiers ? isUaiShaped(uai) : isValidUai(uai))) fail(`--uai ${options.uai}: expected a UAI of 7 digits and its check letter`);
      if (options.mode !== 'complete' && options.mode !== 'delta') fail(`--mode ${options.mode}: expected complete or delta`);
      const files = filesOf(paths);
      const config = loadConfig();
      await withStore(async (store) => {
        const jobs = await openSyncJobs(config, store.db, commandLogger(config.logLevel, command.optsWithGlobals().verbose === true), { resume: false });
        try {
          const { job } = await jobs.submit({
            connector,
            mode: options.mode as 'complete' | 'delta',
            uai: uai ?? null,
            lockKey: uai ?? connector,
            options: {
              lenientIdentifiers: options.lenientIdentifiers ?? false,
              confirmed: options.confirm ?? false,
              ...(options.maxDeletionShare === undefined ? {} : { maxDeletionShare: options.maxDeletionShare }),
              ...(options.encoding ? { encoding: options.encoding } : {}),
              inputName: files.length === 1 ? path.basename(files[0]) : path.basename(path.resolve(paths[0])),
            },
            submittedBy: OPERATOR,
            idempotencyKey: null,
          }, files.map((file) => ({ name: path.basename(file), open: () => fs.createReadStream(file) })));
          await reportSubmitted(store.db, job, { json: options.json, wait: options.wait, inProcess: jobs.inProcess });
        } finally {
          await jobs.close();
        }
      }, config);
    });
}
