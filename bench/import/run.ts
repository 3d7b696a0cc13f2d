// bench/import: a whole académie's AAF delivery through the importer, next to its floor. Run by hand (not in CI):
//   npm run bench:import             (DATABASE_URL defaults to the machine's PostgreSQL, database test)
// Generates an AAF-style complete delivery (BENCH_PEOPLE people, default 300,000: pupils, guardians, staff;
// BENCH_GROUPS groups, default 2,000; BENCH_ESTABLISHMENTS, default 200) into a temp folder, creates the
// establishments in a fresh schema (bench_import), then measures, each in a child process of its own (so that
// its peak RSS is its own):
//   1. the bare XML parse of the same files (saxes, no mapping, no database): the floor;
//   2. the import (importAaf, complete), then the same delivery again (every record unchanged);
//   3. the write floor: the rows the import wrote (records, source keys, change log) loaded with COPY (binary,
//      from files the server reads) into empty copies of their tables with the same indexes: no parsing, no
//      client, no checks, no change counter;
//   4. the CPU time each import used, in Node (every thread) and, when the database runs on this machine, in
//      PostgreSQL's processes (read from /proc): that work spread perfectly over every core is a bound no schedule beats.
// The generated files are on disk, and the database checkpointed, before each measure that writes: none pays for
// an earlier step's writes. Last, the store is emptied and the import runs once more without the heap cap.
// Targets: >= 20,000 records/s, the import >= 25% of the parse floor and >= 40% of the write floor (in records/s
// over the same records), peak RSS < 300 MB with and without the heap cap.
// BENCH_DELIVERY=<folder> keeps the generated delivery there and reuses it on later runs; BENCH_ONLY=import runs
// only one import into an empty store (with BENCH_HEAP_MB's cap, 0 for none), to compare changes run after run.
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { SaxesParser } from 'saxes';
import { openStore } from '../../gateway/store/db.js';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { importAaf } from '../../gateway/sync/import-aaf.js';
import type { ImportCounts } from '../../gateway/sync/import-counts.js';
import { generateDelivery, type GeneratedDelivery } from './generate.js';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SCHEMA = process.env.BENCH_SCHEMA ?? 'bench_import';
const SIZE = {
  people: Number(process.env.BENCH_PEOPLE ?? 300_000),
  establishments: Number(process.env.BENCH_ESTABLISHMENTS ?? 200),
  groups: Number(process.env.BENCH_GROUPS ?? 2_000),
};
/**
 * V8 heap cap of the import's process, in MB (0: V8's default). Uncapped, V8 lets garbage pile up to several
 * hundred MB before collecting it; the cap shows what the import keeps, and is how workers are meant to run
 * (deploy/). Under a cap that small V8 also grows the heap by only about 20 % after each full collection, and
 * collects every few MB; workers grow it by 100 %, as V8 does for larger heaps, still within the cap.
 */
const HEAP_MB = Number(process.env.BENCH_HEAP_MB ?? 160);
const HEAP_FLAGS = HEAP_MB > 0 ? [`--max-old-space-size=${HEAP_MB}`, '--heap-growing-percent=100'] : [];
const TARGET_RATE = 20_000;
const TARGET_SHARE = 0.25;
const TARGET_WRITE_SHARE = 0.4;
const TARGET_RSS_MB = 300;
const DELIVERY = process.env.BENCH_DELIVERY;
const ONLY_IMPORT = process.env.BENCH_ONLY === 'import';

/** The main thread's memory when the process's RSS was highest, sampled: where the peak went. */
interface MemoryAtPeak { rssMb: number; heapUsedMb: number; heapTotalMb: number; externalMb: number }

interface Measure { seconds: number; maxRssMb: number; atPeak?: MemoryAtPeak; nodeCpuSeconds?: number; postgresCpuSeconds?: number; counts?: ImportCounts; elements?: number; problems?: number; tableSeconds?: Record<string, number> }

async function xmlFiles(folder: string): Promise<string[]> {
  return (await fs.readdir(folder)).filter((f) => f.endsWith('.xml')).sort().map((f) => path.join(folder, f));
}

/** The floor: every file through saxes, as the importer's reader configures it, and nothing else. */
async function parseOnly(folder: string): Promise<Measure> {
  const start = performance.now();
  let elements = 0;
  for (const file of await xmlFiles(folder)) {
    const parser = new SaxesParser({ position: true, fileName: path.basename(file) });
    parser.on('opentag', () => {
      elements += 1;
    });
    for await (const text of createReadStream(file, { encoding: 'utf8' })) parser.write(text as string);
    parser.close();
  }
  return { seconds: (performance.now() - start) / 1000, maxRssMb: process.resourceUsage().maxRSS / 1024, elements };
}

async function importOnce(folder: string): Promise<Measure> {
  const store = await openStore({ databaseUrl: DATABASE_URL, databaseSchema: SCHEMA, dataDir: '' });
  try {
    const files = await Promise.all((await xmlFiles(folder)).map(async (file) => ({
      name: path.basename(file), size: (await fs.stat(file)).size, open: () => createReadStream(file),
    })));
    const atPeak: MemoryAtPeak = { rssMb: 0, heapUsedMb: 0, heapTotalMb: 0, externalMb: 0 };
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      if (m.rss / 2 ** 20 > atPeak.rssMb) Object.assign(atPeak, { rssMb: m.rss / 2 ** 20, heapUsedMb: m.heapUsed / 2 ** 20, heapTotalMb: m.heapTotal / 2 ** 20, externalMb: m.external / 2 ** 20 });
    }, 50);
    const start = performance.now();
    const cpu = process.cpuUsage();
    const outcome = await importAaf(store.db, { files, mode: 'complete', confirmed: true, lenientIdentifiers: false, perimeter: [{ kind: 'national' }] });
    const seconds = (performance.now() - start) / 1000;
    const { user, system } = process.cpuUsage(cpu);
    clearInterval(sampler);
    for (const p of outcome.problems.slice(0, 5)) console.error(`  problem: ${p.file}:${p.line ?? ''} ${p.code} ${p.detail}`);
    return { seconds, maxRssMb: process.resourceUsage().maxRSS / 1024, atPeak, nodeCpuSeconds: (user + system) / 1e6, counts: outcome.counts, problems: outcome.problems.length };
  } finally {
    await store.close();
  }
}

const WRITTEN_TABLES = ['roster_record', 'source_key', 'change_log'];

/**
 * The write floor: the rows the import wrote, loaded with COPY into empty copies of their tables with the same
 * indexes, from binary files the server itself wrote and reads (so no client is in the way). Needs a role that
 * may read and write server files (superuser, or pg_read_server_files and pg_write_server_files), and the
 * database on this machine: undefined otherwise.
 */
async function copyFloor(): Promise<Measure | undefined> {
  const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'bench-copy-'));
  await fs.chmod(folder, 0o777); // the server's own user writes there
  const store = await openStore({ databaseUrl: DATABASE_URL, databaseSchema: SCHEMA, dataDir: '' });
  try {
    for (const table of WRITTEN_TABLES) {
      await sql`copy ${sql.id(table)} to ${sql.lit(path.join(folder, table))} with (format binary)`.execute(store.db);
      await sql`create table ${sql.id(`floor_${table}`)} (like ${sql.id(table)} including all)`.execute(store.db);
    }
    await sql`checkpoint`.execute(store.db);
    const tableSeconds: Record<string, number> = {};
    for (const table of WRITTEN_TABLES) {
      const start = performance.now();
      await sql`copy ${sql.id(`floor_${table}`)} from ${sql.lit(path.join(folder, table))} with (format binary)`.execute(store.db);
      tableSeconds[table] = (performance.now() - start) / 1000;
    }
    return { seconds: Object.values(tableSeconds).reduce((a, b) => a + b, 0), maxRssMb: 0, tableSeconds };
  } catch (error) {
    console.log(`  (no write floor: ${(error as Error).message})`);
    return undefined;
  } finally {
    for (const table of WRITTEN_TABLES) await sql`drop table if exists ${sql.id(`floor_${table}`)}`.execute(store.db);
    await store.close();
    await fs.rm(folder, { recursive: true, force: true });
  }
}

/**
 * CPU seconds used so far by the PostgreSQL processes of this machine (every backend and the server's own), or
 * undefined when none can be seen (a database elsewhere, or no /proc).
 */
async function postgresCpuSeconds(): Promise<number | undefined> {
  let ticks = 0;
  let seen = false;
  const pids = await fs.readdir('/proc').catch(() => [] as string[]);
  for (const pid of pids.filter((name) => /^\d+$/.test(name))) {
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    // "pid (comm) state …": the command may hold spaces, so fields are counted from its closing parenthesis.
    const close = stat.lastIndexOf(')');
    if (!stat.slice(stat.indexOf('(') + 1, close).startsWith('postgres')) continue;
    const fields = stat.slice(close + 2).split(' ');
    // utime, stime, and those of waited-for children (fields 14 to 17 of proc(5)).
    ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    seen = true;
  }
  // Linux counts these in USER_HZ, 100 on every architecture Node runs on.
  return seen ? ticks / 100 : undefined;
}

/**
 * Has the database write out what earlier steps left in its buffers (CHECKPOINT), so that an import does not
 * pay for the one before it; false when the role may not (it needs pg_checkpoint or superuser).
 */
async function checkpoint(): Promise<boolean> {
  const store = await openStore({ databaseUrl: DATABASE_URL, databaseSchema: SCHEMA, dataDir: '' });
  try {
    await sql`checkpoint`.execute(store.db);
    return true;
  } catch {
    return false;
  } finally {
    await store.close();
  }
}

/** Runs a measure in a child process of its own and reads its result (the last line it prints). */
async function inChild(kind: 'parse' | 'import', folder: string, heap: string[] = []): Promise<Measure> {
  if (kind === 'import' && !(await checkpoint())) console.log('  (no CHECKPOINT before it: the role may not; the previous step\'s writes may land in this measure)');
  const child = spawn(process.execPath, [...heap, ...process.execArgv, fileURLToPath(import.meta.url), 'child', kind, folder], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const postgresBefore = await postgresCpuSeconds();
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`the ${kind} child exited with ${code}`);
  const postgresAfter = await postgresCpuSeconds();
  const measure = JSON.parse(out.trim().split('\n').pop()!) as Measure;
  if (postgresBefore !== undefined && postgresAfter !== undefined) measure.postgresCpuSeconds = postgresAfter - postgresBefore;
  return measure;
}

async function prepare(): Promise<{ folder: string; bytes: number; files: number; uais: readonly string[] }> {
  const folder = DELIVERY ?? await fs.mkdtemp(path.join(os.tmpdir(), 'bench-aaf-'));
  const kept = DELIVERY ? await fs.readFile(path.join(DELIVERY, 'delivery.json'), 'utf8').catch(() => undefined) : undefined;
  if (kept) {
    const delivery = JSON.parse(kept) as GeneratedDelivery & { size: typeof SIZE };
    if (JSON.stringify(delivery.size) !== JSON.stringify(SIZE)) throw new Error(`${DELIVERY} holds a delivery of another size (${JSON.stringify(delivery.size)}): empty it or name another folder`);
    console.log(`reusing the delivery in ${folder}`);
    await emptyStore(delivery.uais);
    return { folder, bytes: delivery.bytes, files: delivery.files.length, uais: delivery.uais };
  }
  await fs.mkdir(folder, { recursive: true });
  console.log(`generating ${SIZE.people} people, ${SIZE.groups} groups, ${SIZE.establishments} establishments into ${folder}...`);
  const start = performance.now();
  const delivery = await generateDelivery(folder, SIZE);
  console.log(`  ${delivery.files.length} files, ${(delivery.bytes / 1e6).toFixed(0)} MB in ${((performance.now() - start) / 1000).toFixed(1)} s`);
  // On disk before anything is timed: the kernel's write-back of the files would otherwise land in a measure.
  for (const file of delivery.files) {
    const handle = await fs.open(file, 'r+');
    await handle.sync();
    await handle.close();
  }

  if (DELIVERY) await fs.writeFile(path.join(DELIVERY, 'delivery.json'), JSON.stringify({ ...delivery, size: SIZE }));
  await emptyStore(delivery.uais);
  return { folder, bytes: delivery.bytes, files: delivery.files.length, uais: delivery.uais };
}

/** A fresh schema holding only the delivery's establishments. */
async function emptyStore(uais: readonly string[]): Promise<void> {
  const store = await openStore({ databaseUrl: DATABASE_URL, databaseSchema: 'public', dataDir: '' });
  await store.db.schema.dropSchema(SCHEMA).ifExists().cascade().execute();
  await store.close();
  const bench = await openStore({ databaseUrl: DATABASE_URL, databaseSchema: SCHEMA, dataDir: '' });
  try {
    await bench.migrate();
    for (const [i, uai] of uais.entries()) {
      await putEstablishment(bench.db, {
        uai, name: `COLLEGE BENCH ${i}`, type: 'college', sector: 'public',
        communeCode: '69123', departementCode: '069', regionCode: '84', academieCode: '10',
      });
    }
  } finally {
    await bench.close();
  }
}

async function main(): Promise<void> {
  const { folder, bytes, files, uais } = await prepare();
  try {
    if (ONLY_IMPORT) {
      const m = await inChild('import', folder, HEAP_FLAGS);
      const records = Object.values(m.counts!).reduce((a, b) => a + b, 0);
      const p = m.atPeak!;
      console.log(`import, heap cap ${HEAP_MB ? `${HEAP_MB} MB` : 'none'}: ${m.seconds.toFixed(1)} s, ${Math.round(records / m.seconds).toLocaleString('en')} rec/s, ${m.nodeCpuSeconds!.toFixed(1)} s of CPU in Node, peak RSS ${m.maxRssMb.toFixed(0)} MB ` +
        `(sampled at its peak: RSS ${p.rssMb.toFixed(0)} MB, main heap ${p.heapUsedMb.toFixed(0)} MB used of ${p.heapTotalMb.toFixed(0)} MB, external ${p.externalMb.toFixed(0)} MB)`);
      return;
    }
    console.log('parse only (floor)...');
    const floor = await inChild('parse', folder);
    console.log('import (every record created)...');
    const first = await inChild('import', folder, HEAP_FLAGS);
    console.log('import again (every record unchanged)...');
    const again = await inChild('import', folder, HEAP_FLAGS);
    console.log('the same rows, loaded with COPY (write floor)...');
    const database = await copyFloor();
    console.log('import into an empty store again, without the heap cap...');
    await emptyStore(uais);
    const uncapped = HEAP_MB > 0 ? await inChild('import', folder) : undefined;

    const records = (m: Measure) => Object.values(m.counts!).reduce((a, b) => a + b, 0);
    const n = records(first);
    const floorRate = n / floor.seconds;
    const writeRate = database ? n / database.seconds : undefined;
    const ofWrite = (rate: number) => (writeRate ? `${(rate / writeRate * 100).toFixed(1)} %` : '-');
    const row = (label: string, m: Measure, rate: number, verdict: string) =>
      console.log([label.padEnd(36), `${m.seconds.toFixed(1)} s`.padEnd(10), `${Math.round(rate).toLocaleString('en')} rec/s`.padEnd(18), `${(rate / floorRate * 100).toFixed(1)} %`.padEnd(12), ofWrite(rate).padEnd(12), `${m.maxRssMb.toFixed(0)} MB`.padEnd(10), verdict].join(''));
    console.log(`\n${SIZE.people} people, ${files} files, ${(bytes / 1e6).toFixed(0)} MB of XML, ${n} records (${JSON.stringify(first.counts)}), ${first.problems} problems; import heap cap ${HEAP_MB ? `${HEAP_MB} MB` : 'none'}; ${os.cpus().length} cores (shared: figures are noisy)`);
    console.log(['', 'time', 'records/s', 'of parse', 'of write', 'peak RSS', 'targets: >= 20,000 rec/s, >= 25 % of parse, >= 40 % of write, < 300 MB'].map((c, i) => c.padEnd([36, 10, 18, 12, 12, 10][i] ?? 0)).join(''));
    row('XML parse only, saxes (parse floor)', floor, floorRate, `${floor.elements} elements`);
    if (database) row('COPY of its rows (write floor)', database, writeRate!, 'records, source keys, change log, same indexes');
    const verdict = (m: Measure) => {
      const rate = n / m.seconds;
      return rate >= TARGET_RATE && rate / floorRate >= TARGET_SHARE && (!writeRate || rate / writeRate >= TARGET_WRITE_SHARE) && m.maxRssMb < TARGET_RSS_MB ? 'MET' : 'NOT MET';
    };
    row(`import, all created${HEAP_MB ? ` (heap cap ${HEAP_MB} MB)` : ''}`, first, n / first.seconds, verdict(first));
    row('import again, all unchanged', again, n / again.seconds, verdict(again));
    if (uncapped) row('import, all created, no heap cap', uncapped, n / uncapped.seconds, verdict(uncapped));
    if (database) {
      const t = database.tableSeconds!;
      console.log(`  write floor: records ${t.roster_record.toFixed(1)} s, source keys ${t.source_key.toFixed(1)} s, change log ${t.change_log.toFixed(1)} s. ` +
        'The import writes records and the change log under the change counter, one establishment at a time (the order of the change feed), ' +
        `and only once every file is read (AAF files are not grouped by establishment): the parse floor plus the write floor is ${(floor.seconds + database.seconds).toFixed(1)} s.`);
    }
    const cores = os.cpus().length;
    for (const [label, m] of [['all created', first], ['all unchanged', again]] as const) {
      const work = m.nodeCpuSeconds! + (m.postgresCpuSeconds ?? 0);
      const postgres = m.postgresCpuSeconds === undefined ? 'PostgreSQL not seen from here' : `${m.postgresCpuSeconds.toFixed(1)} s in PostgreSQL`;
      console.log(`CPU, import ${label}: ${m.nodeCpuSeconds!.toFixed(1)} s in Node (every thread), ${postgres}. ` +
        `Spread perfectly over ${cores} cores, that work takes at least ${(work / cores).toFixed(1)} s: ${(floor.seconds / (work / cores) * 100).toFixed(1)} % of the floor at best.`);
    }
    const out = path.join('bench', 'results');
    await fs.mkdir(out, { recursive: true });
    await fs.writeFile(path.join(out, `import-${new Date().toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify({ size: SIZE, heapMb: HEAP_MB, bytes, records: n, floor, first, again, uncapped, database }, null, 2));
  } finally {
    if (!DELIVERY) await fs.rm(folder, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'child') {
  const [, , , kind, folder] = process.argv;
  (kind === 'parse' ? parseOnly(folder) : importOnce(folder))
    .then((measure) => process.stdout.write(JSON.stringify(measure) + '\n'))
    .catch((error) => {
      console.error(error);
      process.exit(1);
    });
} else {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
