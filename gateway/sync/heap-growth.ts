// While an import runs, the process's V8 heap grows by at most 100 % past what survived its last full collection,
// as workers are run in deploy/ (--heap-growing-percent=100), whatever flags Node was started with. Left to its
// defaults, V8 sizes that growth by its heap limit: with the limit it picks on a machine of 16 GB or more (about
// 4 GB), it lets the old generation reach up to four times what survives before collecting, and an AAF import of
// a whole académie, whose garbage survives the young generation (read-ahead batches, spooled lines, establishments
// being written), went past 300 MB of RSS where the same import under the deploy/ flags stays near 250 MB.
// V8 reads this flag each time it sets the next collection's threshold, so it can be set while the process runs;
// a process started with the flag keeps its own.
import v8 from 'node:v8';

const GROWING_PERCENT = 100;
const FLAG = /^--heap[-_]growing[-_]percent(=|$)/;

let running = 0;

/** Runs `work` with the heap's growth bounded; V8's own heuristics come back once no import is running. */
export async function withBoundedHeapGrowth<T>(work: () => Promise<T>): Promise<T> {
  if (process.execArgv.some((option) => FLAG.test(option))) return work();
  running += 1;
  if (running === 1) v8.setFlagsFromString(`--heap-growing-percent=${GROWING_PERCENT}`);
  try {
    return await work();
  } finally {
    running -= 1;
    // 0 is V8's default: the factor is then V8's to choose.
    if (running === 0) v8.setFlagsFromString('--heap-growing-percent=0');
  }
}
