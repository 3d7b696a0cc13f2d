// The other end of share-store.ts: a pool, as kysely's PostgresDialect takes one, whose clients send their
// statements over the socket of the process that holds the embedded database. Each client is one socket
// connection; a transaction stays on its connection from `begin` to the end, as on a real server.
import net from 'node:net';
import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import { readFrames, writeFrame, type AnswerFrame, type QueryResult } from './frames.js';

export class SocketPool implements PostgresPool {
  readonly #idle: SocketClient[] = [];
  readonly #open = new Set<SocketClient>();
  #ended = false;

  /** `holder` names the process at the other end, in the errors a lost connection gives. */
  constructor(
    private readonly socketPath: string,
    private readonly holder: number,
  ) {}

  async connect(): Promise<SocketClient> {
    if (this.#ended) throw new Error('the store is closed');
    const idle = this.#idle.pop();
    if (idle) return idle;
    const socket = await connectTo(this.socketPath);
    const client = new SocketClient(socket, this.holder, {
      release: () => this.#idle.push(client),
      closed: () => {
        this.#open.delete(client);
        const at = this.#idle.indexOf(client);
        if (at >= 0) this.#idle.splice(at, 1);
      },
    });
    this.#open.add(client);
    return client;
  }

  async end(): Promise<void> {
    this.#ended = true;
    await Promise.all([...this.#open].map((client) => client.close()));
  }
}

/** Connects, or rejects with the socket's error (ECONNREFUSED: nobody listens there any more). */
export function connectTo(socketPath: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection(socketPath);
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
  });
}

class SocketClient implements PostgresPoolClient {
  // Statements may be sent before the previous answer: the other end answers them in order.
  readonly #waiting: { resolve(result: QueryResult | QueryResult[]): void; reject(error: Error): void }[] = [];
  readonly #closed: Promise<void>;
  #lost: Error | undefined;

  constructor(
    private readonly socket: net.Socket,
    holder: number,
    private readonly pool: { release(): void; closed(): void },
  ) {
    readFrames(socket, (frame) => {
      const answer = frame as AnswerFrame;
      const waiter = this.#waiting.shift();
      if (!waiter) return;
      if (answer.ok) waiter.resolve(answer.result);
      else waiter.reject(Object.assign(new Error(answer.error.message), answer.error));
    });
    socket.on('error', () => undefined); // 'close' follows
    this.#closed = new Promise((resolve) => {
      socket.once('close', () => {
        // 08006 (connection failure) is what PostgreSQL clients report when the server goes: retried as transient.
        this.#lost = Object.assign(new Error(`the connection to the embedded database held by process ${holder} was closed`), { code: '08006' });
        for (const waiter of this.#waiting.splice(0)) waiter.reject(this.#lost);
        pool.closed();
        resolve();
      });
    });
  }

  query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
  query<R>(sql: string | PostgresCursor<R>, parameters?: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    if (typeof sql !== 'string') throw new Error('streaming queries are not served over the embedded database\'s socket');
    if (this.#lost) return Promise.reject(this.#lost);
    return new Promise<QueryResult | QueryResult[]>((resolve, reject) => {
      // Written first: a parameter v8 cannot serialize throws here, before an answer is awaited for it.
      writeFrame(this.socket, { sql, parameters: [...(parameters ?? [])] });
      this.#waiting.push({ resolve, reject });
    }) as Promise<PostgresQueryResult<R>>;
  }

  release(): void {
    if (!this.#lost) this.pool.release();
  }

  close(): Promise<void> {
    this.socket.end();
    return this.#closed;
  }
}
