// Runs a connector's reader (bytes in, items out) in a worker thread, for the largest files: the parse then
// takes the other core while the caller maps and stores what comes out. One thread reads a delivery's files one
// after the other. The parent reads the bytes (from a file, an archive or the store) and sends them on only as
// fast as it takes the items back, so memory stays flat.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { FileProblem, type ConnectorProblem } from './problem.js';

/** Which reader to run: an async generator function `(source, options)` exported by a module. */
export interface ReaderModule {
  module: string;
  exportName: string;
}

/**
 * Items made but not yet taken, in batches of one chunk each, beyond which no more bytes are sent: room for the
 * chunks the thread asks ahead (reader-worker.ts), and a bound on what waits in memory (a few MB).
 */
const BACKLOG = 64;

/** Parent to thread: start reading a file (its reader's options), or one chunk of its bytes (null: the end). */
export type ToThread = { session: number; options: unknown; chunk?: undefined } | { session: number; chunk: Uint8Array | null };

/** Thread to parent: the items made since the last message (as JSON text), and what comes with them. */
export interface FromThread {
  session: number;
  items: string;
  pull?: boolean;
  done?: boolean;
  failure?: { problem: ConnectorProblem } | { message: string };
}

/**
 * The parse keeps nothing but the request it is in and the batches not yet taken: a small heap of its own keeps
 * the thread's memory small too (V8 would otherwise size it like the process's).
 */
const RESOURCE_LIMITS = { maxOldGenerationSizeMb: 48, maxYoungGenerationSizeMb: 12 };

/** The worker thread, started from the built JavaScript, or from the TypeScript sources (tests, tsx) through tsx. */
function startWorker(reader: ReaderModule): Worker {
  const extension = path.extname(fileURLToPath(import.meta.url));
  const entry = new URL(`./reader-worker${extension}`, import.meta.url);
  // None of the parent's command-line options: the thread needs none, and some (--input-type) would stop it.
  const options = { workerData: reader, resourceLimits: RESOURCE_LIMITS, execArgv: [] };
  if (extension !== '.ts') return new Worker(entry, options);
  return new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); })`, { ...options, eval: true });
}

export class ReaderThread {
  private worker: Worker | undefined;
  private sessions = 0;

  constructor(private readonly reader: ReaderModule) {}

  /** The items of one file, as the reader makes them; files are read one at a time. */
  async *read<T>(source: AsyncIterable<Buffer | Uint8Array>, options: unknown): AsyncGenerator<T> {
    const worker = (this.worker ??= startWorker(this.reader));
    const session = (this.sessions += 1);
    const bytes = source[Symbol.asyncIterator]();
    /**
     * As the thread sent them, JSON text, parsed only when taken: a waiting batch holds half the memory its objects
     * would (AAF pupils: 3 MB of text for 6 MB of objects).
     */
    const batches: string[] = [];
    let pulls = 0;
    let sending = false;
    let sentAll = false;
    let done = false;
    let failure: Error | undefined;
    let wake: (() => void) | undefined;
    const settle = () => {
      wake?.();
      wake = undefined;
    };

    const feed = async () => {
      if (sending) return;
      sending = true;
      try {
        while (pulls > 0 && batches.length < BACKLOG && !sentAll && !failure) {
          pulls -= 1;
          const next = await bytes.next();
          if (next.done) {
            sentAll = true;
            worker.postMessage({ session, chunk: null } satisfies ToThread);
          } else {
            const chunk = new Uint8Array(next.value); // a copy of its own: a stream's buffers may share memory
            worker.postMessage({ session, chunk } satisfies ToThread, [chunk.buffer]);
          }
        }
      } catch (error) {
        failure ??= error as Error;
        settle();
      } finally {
        sending = false;
      }
    };
    const onMessage = (message: FromThread) => {
      if (message.session !== session) return;
      if (message.items !== '[]') batches.push(message.items);
      if (message.pull) pulls += 1;
      if (message.done) done = true;
      if (message.failure) failure ??= 'problem' in message.failure ? new FileProblem(message.failure.problem) : new Error(message.failure.message);
      settle();
      void feed();
    };
    const onError = (error: Error) => {
      failure ??= error;
      settle();
    };
    const onExit = () => {
      failure ??= new Error('the reader\'s worker thread ended before its file');
      settle();
    };
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
    worker.postMessage({ session, options } satisfies ToThread);

    let ended = false;
    try {
      for (;;) {
        const batch = batches.shift();
        if (batch) {
          void feed();
          yield* JSON.parse(batch) as T[];
        } else if (failure && !(failure instanceof FileProblem)) {
          throw failure;
        } else if (failure || done) {
          ended = true; // the worker finished this file and waits for the next
          if (failure) throw failure;
          return;
        } else {
          await new Promise<void>((resolve) => (wake = resolve));
        }
      }
    } finally {
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      // A file given up half-way (or a broken thread) leaves the worker mid-file: the next file gets a new one.
      if (!ended) await this.close();
      await bytes.return?.();
    }
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }
}
