// Serves the embedded database of this process to the commands run beside it (`passerelle clients create`
// while `passerelle serve` runs): PGlite is one session in one process, so other processes send their
// statements here, over a Unix socket in the data folder, and this process runs them on its own pool.
// A connection holds a pool client only from `begin` to `commit` or `rollback`: between a command's
// statements, the pool serves this process's own requests.
import fs from 'node:fs';
import net from 'node:net';
import type pg from 'pg';
import { readFrames, writeFrame, type AnswerFrame, type QueryFrame, type QueryResult } from './frames.js';

export interface SharedStore {
  /** Drops every connection (rolling back what they left open), stops listening and removes the socket. */
  close(): Promise<void>;
}

const TRANSACTION_START = /^\s*(?:begin|start\s+transaction)\b/i;
const TRANSACTION_END = /^\s*(?:commit|end|rollback|abort)(?:\s+(?:work|transaction))?\s*;?\s*$/i;

/**
 * Listens on `socketPath`, readable and writable by this user only. The caller holds the data folder's lock,
 * so a socket already there was left by a process that died: it is replaced.
 */
export async function shareStore(pool: pg.Pool, socketPath: string): Promise<SharedStore> {
  fs.rmSync(socketPath, { force: true });
  const connections = new Set<SharedConnection>();
  const server = net.createServer((socket) => {
    const connection = new SharedConnection(pool, socket, () => connections.delete(connection));
    connections.add(connection);
  });
  const listening = new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.once('listening', resolve);
  });
  // The socket is created by listen() itself: a umask for its duration leaves no moment where others may connect.
  const umask = process.umask(0o177);
  try {
    server.listen(socketPath);
  } finally {
    process.umask(umask);
  }
  await listening;
  fs.chmodSync(socketPath, 0o600);
  return {
    async close() {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...connections].map((connection) => connection.end()));
      await stopped;
      fs.rmSync(socketPath, { force: true });
    },
  };
}

/** One command's connection: its statements run in the order they came, each answered before the next. */
class SharedConnection {
  #held: pg.PoolClient | undefined;
  #work: Promise<void> = Promise.resolve();
  readonly #ended: Promise<void>;

  constructor(
    private readonly pool: pg.Pool,
    private readonly socket: net.Socket,
    onEnd: () => void,
  ) {
    readFrames(socket, (frame) => {
      this.#work = this.#work.then(() => this.#answer(frame as QueryFrame));
    });
    socket.on('error', () => undefined); // 'close' follows, and ends the connection
    this.#ended = new Promise<void>((resolve) => {
      socket.once('close', () => {
        // A command that died mid-transaction leaves nothing behind: its transaction is rolled back.
        this.#work = this.#work.then(() => this.#release(true)).finally(() => {
          onEnd();
          resolve();
        });
      });
    });
  }

  end(): Promise<void> {
    this.socket.destroy();
    return this.#ended;
  }

  async #answer({ sql, parameters }: QueryFrame): Promise<void> {
    let answer: AnswerFrame;
    try {
      const result = await this.#run(sql, parameters);
      answer = { ok: true, result: Array.isArray(result) ? result.map(resultOf) : resultOf(result) };
    } catch (error) {
      answer = { ok: false, error: errorFields(error) };
    }
    if (this.socket.destroyed) return;
    try {
      writeFrame(this.socket, answer);
    } catch (error) {
      // A value v8 cannot serialize: the statement ran, but its answer cannot travel.
      writeFrame(this.socket, { ok: false, error: errorFields(error) });
    }
  }

  async #run(sql: string, parameters: unknown[]): Promise<pg.QueryResult | pg.QueryResult[]> {
    const starts = !this.#held && TRANSACTION_START.test(sql);
    if (starts) this.#held = await this.pool.connect();
    const client = this.#held;
    if (!client) return this.pool.query(sql, parameters);
    let failed = false;
    try {
      return await client.query(sql, parameters);
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      // A `begin` that failed opened nothing; a `commit` or `rollback` ends the transaction whatever it answers.
      if ((starts && failed) || TRANSACTION_END.test(sql)) await this.#release(false);
    }
  }

  async #release(rollBack: boolean): Promise<void> {
    const client = this.#held;
    if (!client) return;
    this.#held = undefined;
    if (!rollBack) return client.release();
    try {
      await client.query('rollback');
      client.release();
    } catch (error) {
      client.release(error as Error);
    }
  }
}

function resultOf(result: pg.QueryResult): QueryResult {
  return { command: result.command, rowCount: result.rowCount, rows: result.rows };
}

/** The error's message and its plain fields (pg's code, detail, constraint…), which callers test. */
function errorFields(error: unknown): { message: string } & Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error)) {
    if (['string', 'number', 'boolean'].includes(typeof value)) fields[key] = value;
  }
  return { ...fields, message: error.message };
}
