// bench/sso: a pass-through TCP proxy in front of PostgreSQL that reads the wire protocol (v3) as it goes by, to
// count the statements the gateway sends and time each one's round trip (from the Query, or the Sync closing a
// Parse/Bind/Execute, to the server's ReadyForQuery), by statement text. Used only in the profiled run: it costs
// this process some CPU and every statement a hop.
import net from 'node:net';

export interface SqlTally {
  readonly statements: number;
  /** The sum of the statements' round trips, ms (statements on several connections overlap). */
  readonly roundTripMs: number;
  /** By text, the most frequent first. */
  readonly byText: { text: string; count: number; ms: number }[];
}

export interface SqlTap {
  /** The DATABASE_URL to give the gateway: the same database, through the tap. */
  readonly url: string;
  reset(): void;
  tally(): SqlTally;
  close(): Promise<void>;
}

export async function startSqlTap(databaseUrl: string): Promise<SqlTap> {
  const target = new URL(databaseUrl);
  let byText = new Map<string, { count: number; ms: number }>();
  const record = (text: string, ms: number) => {
    const entry = byText.get(text) ?? { count: 0, ms: 0 };
    entry.count += 1;
    entry.ms += ms;
    byText.set(text, entry);
  };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const server = net.connect(Number(target.port || 5432), target.hostname);
    sockets.add(client).add(server);
    const pending: { text: string; at: number }[] = [];
    let lastParsed = '';
    const fromClient = messageReader(true, (type, body) => {
      if (type === 'P') lastParsed = normalise(cString(body, body.indexOf(0) + 1));
      else if (type === 'Q') pending.push({ text: normalise(cString(body, 0)), at: performance.now() });
      else if (type === 'S') pending.push({ text: lastParsed, at: performance.now() });
    });
    const fromServer = messageReader(false, (type) => {
      if (type !== 'Z') return;
      const statement = pending.shift();
      if (statement) record(statement.text, performance.now() - statement.at);
    });
    client.on('data', (chunk: Buffer) => {
      fromClient(chunk);
      server.write(chunk);
    });
    server.on('data', (chunk: Buffer) => {
      fromServer(chunk);
      client.write(chunk);
    });
    const end = () => {
      client.destroy();
      server.destroy();
      sockets.delete(client);
      sockets.delete(server);
    };
    client.on('close', end).on('error', end);
    server.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as net.AddressInfo).port);
  return {
    url: url.href,
    reset() {
      byText = new Map();
    },
    tally() {
      const entries = [...byText].map(([text, e]) => ({ text, ...e })).sort((a, b) => b.count - a.count);
      return { statements: entries.reduce((n, e) => n + e.count, 0), roundTripMs: entries.reduce((n, e) => n + e.ms, 0), byText: entries };
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Splits a direction's bytes into messages (type byte, int32 length); a client's first message has no type byte. */
function messageReader(startsUntyped: boolean, onMessage: (type: string, body: Buffer) => void): (chunk: Buffer) => void {
  let buffered: Buffer = Buffer.alloc(0);
  let untyped = startsUntyped;
  return (chunk) => {
    buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
    for (;;) {
      const header = untyped ? 4 : 5;
      if (buffered.length < header) return;
      const length = buffered.readInt32BE(header - 4);
      const total = header - 4 + length;
      if (buffered.length < total) return;
      if (untyped) {
        // An SSLRequest or GSSENCRequest is followed by another untyped message; a startup message is not.
        const code = buffered.readInt32BE(4);
        untyped = code === 80877103 || code === 80877104;
      } else {
        onMessage(String.fromCharCode(buffered[0]), buffered.subarray(5, total));
      }
      buffered = buffered.subarray(total);
    }
  };
}

function cString(body: Buffer, from: number): string {
  const end = body.indexOf(0, from);
  return body.toString('utf8', from, end < 0 ? body.length : end);
}

function normalise(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
