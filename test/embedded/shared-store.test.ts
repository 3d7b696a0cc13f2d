// The embedded database shared over its socket: a second opening of a held data folder goes through the
// holder's socket and sees exactly what the holder's own queries see (types, errors, transactions), and the
// holder keeps serving between a command's statements and after a command dies mid-transaction.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, StoreError, type Store } from '../../gateway/store/db.js';
import { SocketPool } from '../../gateway/store/socket/socket-pool.js';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-shared-'));
const config = { databaseUrl: undefined, databaseSchema: 'public', dataDir };
const socketPath = path.join(dataDir, 'passerelle.sock');
let holder: Store;

beforeAll(async () => {
  holder = await openStore(config, { exclusive: true });
  await sql`create table sample (id int8 primary key, at timestamptz, bytes bytea, doc jsonb, tags text[])`.execute(holder.db);
}, 60_000);

afterAll(async () => {
  await holder?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function countSamples(store: Store, id: number): Promise<number> {
  const { rows } = await sql<{ n: string }>`select count(*) as n from sample where id = ${id}`.execute(store.db);
  return Number(rows[0].n);
}

describe('the embedded database shared over its socket', () => {
  it('listens on a socket only its user may open, and a second opening goes through it', async () => {
    expect(fs.statSync(socketPath).isSocket()).toBe(true);
    expect(fs.statSync(socketPath).mode & 0o777).toBe(0o600);
    const command = await openStore(config);
    try {
      expect(command.kind).toBe('embedded');
      await sql`insert into sample (id) values (1)`.execute(command.db);
      expect(await countSamples(holder, 1)).toBe(1);
    } finally {
      await command.close();
    }
    // The command closed its connections, not the holder's database.
    expect(fs.existsSync(socketPath)).toBe(true);
    expect(await countSamples(holder, 1)).toBe(1);
  });

  it('returns the values pg parses as the holder sees them: dates, bytes, int8 as text, JSON, arrays', async () => {
    const command = await openStore(config);
    try {
      const at = new Date('2026-09-01T06:30:00.123Z');
      const bytes = Buffer.from([0, 1, 254, 255]);
      await sql`insert into sample values (2, ${at}, ${bytes}, ${JSON.stringify({ a: [1, 'é'] })}, ${['x', 'y']})`.execute(command.db);
      const read = async (store: Store) => (await sql`select * from sample where id = 2`.execute(store.db)).rows[0];
      const remote = (await read(command)) as Record<string, unknown>;
      expect(remote).toEqual(await read(holder));
      expect(remote).toEqual({ id: '2', at, bytes, doc: { a: [1, 'é'] }, tags: ['x', 'y'] });
      expect(Buffer.isBuffer(remote.bytes)).toBe(true);
      const updated = await command.db.updateTable('sample' as never).set({ tags: ['z'] } as never).where('id' as never, '>=', 1 as never).executeTakeFirst();
      expect(updated.numUpdatedRows).toBe(2n);
    } finally {
      await command.close();
    }
  });

  it('passes PostgreSQL errors on with their code and fields', async () => {
    const command = await openStore(config);
    try {
      const error = await sql`insert into sample (id) values (1)`.execute(command.db).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: '23505', constraint: 'sample_pkey' });
      expect((error as Error).message).toContain('duplicate key');
    } finally {
      await command.close();
    }
  });

  it('keeps a transaction on one connection until it commits, the holder waiting for it and then seeing it', async () => {
    const command = await openStore(config);
    try {
      let holderRead: Promise<number> | undefined;
      await command.db.transaction().execute(async (trx) => {
        await sql`insert into sample (id) values (3)`.execute(trx);
        // PGlite is one session: the holder's own query waits for the command's transaction to end.
        holderRead = countSamples(holder, 3);
        await new Promise((r) => setTimeout(r, 100));
        await sql`insert into sample (id) values (4)`.execute(trx);
      });
      expect(await holderRead).toBe(1);
      expect(await countSamples(holder, 4)).toBe(1);
      const failed = await command.db.transaction().execute(async (trx) => {
        await sql`insert into sample (id) values (5)`.execute(trx);
        throw new Error('changed my mind');
      }).catch((e: Error) => e.message);
      expect(failed).toBe('changed my mind');
      expect(await countSamples(holder, 5)).toBe(0);
    } finally {
      await command.close();
    }
  });

  it('rolls back what a command that dies mid-transaction left open, and serves on', async () => {
    const pool = new SocketPool(socketPath, process.pid);
    const client = await pool.connect();
    await client.query('begin', []);
    await client.query('insert into sample (id) values (6)', []);
    await pool.end(); // the connection goes with its transaction open
    expect(await countSamples(holder, 6)).toBe(0);
    await sql`insert into sample (id) values (6)`.execute(holder.db);
    expect(await countSamples(holder, 6)).toBe(1);
  });

  it('refuses a second holder (a server) with a message naming the process that has the folder', async () => {
    const error = await openStore(config, { exclusive: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toContain(`is in use by process ${process.pid}`);
  });
});
