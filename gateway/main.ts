#!/usr/bin/env node
// The `passerelle` command: one sub-command per job, each with its own --help.
import { Command } from 'commander';
import { ConfigError } from './config/config.js';
import { aggregatesCommand } from './cli/aggregates.js';
import { auditCommand } from './cli/audit.js';
import { clientsCommand } from './cli/clients.js';
import { demoCommand } from './cli/demo.js';
import { importCommand } from './cli/import.js';
import { exportCommand } from './cli/export.js';
import { jobsCommand } from './cli/jobs.js';
import { keysCommand } from './cli/keys.js';
import { migrateCommand } from './cli/migrate.js';
import { pushCommand } from './cli/push.js';
import { serveCommand } from './cli/serve.js';
import { workerCommand } from './cli/worker.js';
import { StoreError } from './store/db.js';

const program = new Command('passerelle')
  .description('Passerelle: the interoperability gateway for French schools (rosters, their change feeds, sync jobs, exports).')
  .version('0.1.0')
  .option('--verbose', 'commands log what they do on stderr at LOG_LEVEL (default info); without it, only warnings and errors')
  .showHelpAfterError()
  .addCommand(serveCommand())
  .addCommand(migrateCommand())
  .addCommand(clientsCommand())
  .addCommand(demoCommand())
  .addCommand(auditCommand())
  .addCommand(aggregatesCommand())
  .addCommand(keysCommand())
  .addCommand(workerCommand())
  .addCommand(importCommand())
  .addCommand(jobsCommand())
  .addCommand(exportCommand())
  .addCommand(pushCommand());

/** A bad command line (an unknown option, a missing argument) exits 2, as the commands' own checks do. */
function usageErrorsExit2(command: Command): void {
  command.exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));
  for (const sub of command.commands) usageErrorsExit2(sub);
}
usageErrorsExit2(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof StoreError) {
    process.stderr.write(`passerelle: ${error.message}\n`);
    process.exit(2);
  }
  throw error;
});
