// `passerelle push gar --uai UAI`: exports an establishment and delivers it to the destinations the sync
// configuration declares for it, as a sync job (the one `POST /v1/sync/exports` queues), and follows it.
import { Command } from 'commander';
import { loadConfig } from '../config/config.js';
import { isUaiShaped } from '../model/identifiers.js';
import { commandLogger } from '../observability/logger.js';
import { isStoredEstablishment } from '../store/establishments.js';
import { OPERATOR } from '../store/jobs.js';
import { EXPORTERS, exportJob, isExporterName } from '../sync/jobs/run-export.js';
import { loadSyncSettings, openSyncJobs } from '../sync/jobs/service.js';
import { fail, withStore } from './context.js';
import { reportSubmitted } from './job-output.js';

export function pushCommand(): Command {
  return new Command('push')
    .description('Export an establishment and push it where the sync configuration says (PASSERELLE_SYNC_CONFIG), as a sync job.')
    .argument('<connector>', `the export: ${EXPORTERS.join(', ')}`)
    .requiredOption('--uai <uai>', 'the establishment')
    .option('--json', 'print the finished job as one JSON object')
    .option('--no-wait', 'return once the job is queued (with REDIS_URL), printing its id')
    .addHelpText('after', `
The destinations are the pushes of the sync configuration covering the establishment (SFTP servers, folders,
signed webhooks; see deploy/sync-config.example.yaml). To write the files into a folder of your own instead,
use passerelle export gar --uai UAI --out DIR.

Example:
  PASSERELLE_SYNC_CONFIG=/etc/passerelle/sync.yaml passerelle push gar --uai 0691234S`)
    .action(async (connector: string, options: { uai: string; json?: boolean; wait: boolean }, command: Command) => {
      if (!isExporterName(connector)) fail(`${connector}: no such export; expected one of ${EXPORTERS.join(', ')}`);
      const uai = options.uai.toUpperCase();
      if (!isUaiShaped(uai)) fail(`--uai ${options.uai}: expected a UAI of 7 digits and a letter`);
      const config = loadConfig();
      const syncConfig = loadSyncSettings();
      await withStore(async (store) => {
        if (!(await isStoredEstablishment(store.db, uai))) fail(`--uai ${uai}: no such establishment`);
        const jobs = await openSyncJobs(config, store.db, commandLogger(config.logLevel, command.optsWithGlobals().verbose === true), { resume: false, syncConfig });
        try {
          const { job } = await jobs.submit(exportJob(connector, uai, OPERATOR), []);
          await reportSubmitted(store.db, job, { json: options.json, wait: options.wait, inProcess: jobs.inProcess });
        } finally {
          await jobs.close();
        }
      }, config);
    });
}
