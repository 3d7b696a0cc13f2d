// The worker side of ReaderThread: runs a connector's reader over the chunks the parent sends, one file (a
// session) at a time, and sends back what it made of each chunk when it asks for the next one. Chunks are asked
// well ahead, so that the parse does not wait on the parent's event loop, busy with what it took before.
// Items go back as JSON text, which the parent parses faster than a structured clone of many small objects.
import { parentPort, workerData } from 'node:worker_threads';
import { FileProblem } from './problem.js';
import type { FromThread, ReaderModule, ToThread } from './worker-reader.js';

/**
 * Chunks asked for ahead (32 of the usual 64 KB: 2 MB). Measured on a whole académie's AAF delivery, three runs
 * each, interleaved: its read phase took 2 to 3 s less with 32 than with 2 (14.9-20.4 s against 18.1-22.4 s).
 */
const AHEAD = 32;
const port = parentPort!;
const { module, exportName } = workerData as ReaderModule;
const read = (await import(module))[exportName] as (source: AsyncIterable<Uint8Array>, options: unknown) => AsyncIterable<unknown>;

interface Session {
  id: number;
  chunks: (Uint8Array | null)[];
  requested: number;
  items: unknown[];
  wake?: () => void;
}

let current: Session | undefined;

port.on('message', (message: ToThread) => {
  if (message.chunk === undefined) {
    current = { id: message.session, chunks: [], requested: 0, items: [] };
    void run(current, message.options);
  } else if (current?.id === message.session) {
    current.requested -= 1;
    current.chunks.push(message.chunk);
    current.wake?.();
  } // else: a chunk of a file the parent gave up on
});

function send(session: Session, message: Omit<FromThread, 'session' | 'items'>): void {
  port.postMessage({ session: session.id, items: JSON.stringify(session.items), ...message } satisfies FromThread);
  session.items = [];
}

async function* source(session: Session): AsyncGenerator<Uint8Array> {
  for (;;) {
    // What the reader made of the previous chunk goes back with each request for more.
    while (session.chunks.length + session.requested < AHEAD) {
      session.requested += 1;
      send(session, { pull: true });
    }
    while (session.chunks.length === 0) await new Promise<void>((resolve) => (session.wake = resolve));
    const chunk = session.chunks.shift()!;
    if (chunk === null) return;
    yield chunk;
  }
}

async function run(session: Session, options: unknown): Promise<void> {
  try {
    for await (const item of read(source(session), options)) session.items.push(item);
    send(session, { done: true });
  } catch (error) {
    send(session, { failure: error instanceof FileProblem ? { problem: error.problem } : { message: error instanceof Error ? error.stack ?? error.message : String(error) } });
  }
}
