// `passerelle demo`: loads an invented académie of any size into the configured store, for trying the API and
// for the benchmarks. Progress goes to stderr, the summary (or JSON) to stdout.
import { Command, InvalidArgumentError } from 'commander';
import { DEFAULT_DEMO, DEMO_ACADEMIE, DEMO_LIMITS, demoPlan } from '../demo/generate.js';
import { seedDemo, type SeedProgress } from '../demo/seed.js';
import { fail, withStore } from './context.js';

function integer(name: string, min: number, max: number) {
  return (raw: string): number => {
    const value = Number(raw);
    if (!/^[0-9]+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
      throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}.`);
    }
    return value;
  };
}

function progressReporter(): { report: (p: SeedProgress) => void; done: () => void } {
  const tty = process.stderr.isTTY === true;
  let lastShown = -1;
  let lastLength = 0;
  return {
    report(p) {
      const percent = p.peopleTotal ? Math.floor((100 * p.peopleDone) / p.peopleTotal) : 100;
      const line = `seeding: ${p.establishmentsDone}/${p.establishmentsTotal} establishments, ` +
        `${p.peopleDone}/${p.peopleTotal} people (${percent}%), ${p.recordsDone} records`;
      if (tty) {
        process.stderr.write(`\r${line.padEnd(lastLength)}`);
        lastLength = line.length;
      } else if (Math.floor(percent / 10) > lastShown || p.establishmentsDone === p.establishmentsTotal) {
        // Not a terminal (CI, a log file): a line every tenth, not a flood.
        lastShown = Math.floor(percent / 10);
        process.stderr.write(line + '\n');
      }
    },
    done() {
      if (tty && lastLength) process.stderr.write('\n');
    },
  };
}

export function demoCommand(): Command {
  return new Command('demo')
    .description('Load an invented académie (écoles, collèges, lycées with their people) into the store')
    .option('--establishments <n>', `number of establishments, 1 to ${DEMO_LIMITS.establishments} (default ${DEFAULT_DEMO.establishments})`,
      integer('--establishments', 1, DEMO_LIMITS.establishments))
    .option('--people <m>', `number of people in all, spread over the establishments (default ${DEFAULT_DEMO.people}, ` +
      'or 200 per establishment when --establishments is given)', integer('--people', 1, DEMO_LIMITS.people))
    .option('--seed <s>', `seed for names, dates and family shapes (default ${DEFAULT_DEMO.seed})`, integer('--seed', 0, 0xffffffff))
    .option('--json', 'print the summary as one JSON object')
    .addHelpText(
      'after',
      `
The académie (code ${DEMO_ACADEMIE.code}, région ${DEMO_ACADEMIE.regionCode}, départements ${DEMO_ACADEMIE.departements.join(' and ')}, holiday zone ${DEMO_ACADEMIE.holidayZone})
is made up: communes, establishments and people are invented; UAIs and INEs carry valid keys. Every
establishment gets its 2026-2027 school year, subjects, rooms, classes and teaching groups, teachers, pupils
in their classes and groups, guardians (some with two pupils), and a weekly timetable for every class (with
a teacher's absence and a room change in September), materialised into sessions as it is written.

The same options give the same records with the same ids, so running it again changes nothing. Another --seed
or --people rewrites the demo's establishments to match: the demo records it no longer makes are deleted
(records from other sources are left alone; so are establishments beyond a smaller --establishments).
Records go through the ordinary write path (validated, change-logged), in batches of up to 2,000.

Reads DATABASE_URL (and DATABASE_SCHEMA) like the server; without DATABASE_URL it uses the embedded database
in PASSERELLE_DATA_DIR (stop the server first: the embedded database takes one process at a time).

Examples:
  passerelle demo
  passerelle demo --establishments 200 --people 100000
  DATABASE_URL=postgres://localhost/passerelle passerelle demo --establishments 20 --seed 7 --json
`,
    )
    .action(async (opts: { establishments?: number; people?: number; seed?: number; json?: boolean }) => {
      const options = { establishments: opts.establishments, people: opts.people, seed: opts.seed };
      let plan: ReturnType<typeof demoPlan>;
      try {
        plan = demoPlan(options);
      } catch (error) {
        if (error instanceof RangeError) fail(error.message);
        throw error;
      }
      const progress = progressReporter();
      const result = await withStore(async (store) => {
        try {
          return await seedDemo(store.db, options, progress.report);
        } finally {
          progress.done();
        }
      });
      const summary = { ...plan, ...result.counts, outcomes: result.outcomes, elapsedSeconds: Math.round(result.elapsedMs / 100) / 10 };
      if (opts.json) {
        process.stdout.write(JSON.stringify(summary) + '\n');
        return;
      }
      const c = result.counts;
      process.stdout.write(
        [
          `Demo académie ${DEMO_ACADEMIE.code} (seed ${plan.seed}) in ${summary.elapsedSeconds} s:`,
          `  establishments  ${c.establishments}`,
          `  people          ${c.people}`,
          `  groups          ${c.groups}`,
          `  memberships     ${c.memberships}`,
          `  guardian links  ${c.guardianLinks}`,
          `  also            ${c.subjects} subjects, ${c.rooms} rooms, ${c.academicYears} school years`,
          `  records         ${result.outcomes.created} created, ${result.outcomes.updated} updated, ` +
            `${result.outcomes.unchanged} unchanged, ${result.outcomes.deleted} deleted`,
          '',
        ].join('\n'),
      );
    });
}
