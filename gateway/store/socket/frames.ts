// The wire format between a process that holds the embedded database and the commands that use it through its
// socket: each message is a 4-byte big-endian length and a v8-serialized value, which keeps the Dates, Buffers
// and bigints that pg's type parsing produces exactly as an in-process query returns them.
import type { Socket } from 'node:net';
import v8 from 'node:v8';

/** A statement to run, as kysely hands it to a pg client. */
export interface QueryFrame {
  sql: string;
  parameters: unknown[];
}

/** What pg answered, reduced to what kysely reads; an array for a string of several statements. */
export type QueryResult = { command: string; rowCount: number | null; rows: unknown[] };

export type AnswerFrame =
  | { ok: true; result: QueryResult | QueryResult[] }
  | { ok: false; error: { message: string } & Record<string, unknown> };

/** A frame this large is not a query or a result of ours: the connection is dropped rather than buffered. */
const MAX_FRAME_BYTES = 1024 ** 3;

export function writeFrame(socket: Socket, value: QueryFrame | AnswerFrame): void {
  const payload = v8.serialize(value);
  const header = Buffer.alloc(4);
  header.writeUInt32BE(payload.length);
  socket.write(Buffer.concat([header, payload]));
}

/** Calls `onFrame` with each value the socket delivers, in order; a malformed stream destroys the socket. */
export function readFrames(socket: Socket, onFrame: (value: unknown) => void): void {
  // Chunks are joined once a whole frame has come, not as each arrives: a large result stays linear to read.
  let chunks: Buffer[] = [];
  let buffered = 0;
  socket.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    buffered += chunk.length;
    while (buffered >= 4) {
      if (chunks[0].length < 4) chunks = [Buffer.concat(chunks)];
      const length = chunks[0].readUInt32BE(0);
      if (length > MAX_FRAME_BYTES) {
        socket.destroy(new Error(`a frame of ${length} bytes is larger than the ${MAX_FRAME_BYTES} allowed`));
        return;
      }
      if (buffered < 4 + length) return;
      const all = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      const rest = all.subarray(4 + length);
      chunks = rest.length ? [rest] : [];
      buffered = rest.length;
      let value: unknown;
      try {
        value = v8.deserialize(all.subarray(4, 4 + length));
      } catch (error) {
        socket.destroy(error as Error);
        return;
      }
      onFrame(value);
    }
  });
}
