// Regenerates gateway/timetable/calendar/shipped-holidays.json from an export of `fr-en-calendrier-scolaire`
// (JSON or CSV, from data.education.gouv.fr), through the calendrier-scolaire connector.
//
//   npx tsx tools/ship-holidays.ts <export.json|csv> [--years 2025-2026,2026-2027,2027-2028] [--note TEXT]… [--out FILE]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileProblem } from '../connectors/kit/problem.js';
import { shippedHolidaysFrom } from '../gateway/timetable/calendar/ship-holidays.js';

const DEFAULT_YEARS = ['2025-2026', '2026-2027', '2027-2028'];
const DEFAULT_OUT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'gateway', 'timetable', 'calendar', 'shipped-holidays.json');

function usage(message: string): never {
  process.stderr.write(`${message}\nusage: npx tsx tools/ship-holidays.ts <export.json|csv> [--years Y1-Y2,…] [--note TEXT]… [--out FILE]\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
let input: string | undefined;
let years = DEFAULT_YEARS;
let out = DEFAULT_OUT;
const notes: string[] = [];
for (let i = 0; i < args.length; i += 1) {
  const option = args[i];
  const value = () => args[++i] ?? usage(`${option} needs a value`);
  if (option === '--years') years = value().split(',').map((year) => year.trim()).filter(Boolean);
  else if (option === '--note') notes.push(value());
  else if (option === '--out') out = value();
  else if (option.startsWith('--')) usage(`unknown option ${option}`);
  else if (input) usage('one export at a time');
  else input = option;
}
if (!input) usage('the export to read is missing');

try {
  const { shipped, problems } = await shippedHolidaysFrom(fs.createReadStream(input), { file: path.basename(input), schoolYears: years, notes });
  for (const problem of problems) {
    process.stderr.write(`${problem.severity}: ${problem.file}${problem.line ? `:${problem.line}` : ''}${problem.field ? ` [${problem.field}]` : ''}: ${problem.detail}\n`);
  }
  fs.writeFileSync(out, `${JSON.stringify(shipped, null, 2)}\n`);
  process.stdout.write(`${out}: ${Object.keys(shipped.zones).length} zones; ${shipped.notes.join(' | ')}\n`);
} catch (error) {
  if (!(error instanceof FileProblem)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
