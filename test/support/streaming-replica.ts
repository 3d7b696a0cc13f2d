// A PostgreSQL primary and a hot standby streaming from it, each a cluster of its own in a temporary folder, on free
// ports, with trust authentication: for the tests and benchmarks of read replicas. The machine's server (5432) is
// left alone. PostgreSQL refuses to run as root, so the binaries run as the postgres user when this process is root.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports.js';

const run = promisify(execFile);

export interface StreamingReplica {
  /** postgres:// URL of the primary's `test` database. */
  primaryUrl: string;
  /** postgres:// URL of the same database on the standby (read only, replaying the primary's WAL). */
  replicaUrl: string;
  /** Stops both servers and removes their folders. */
  stop(): Promise<void>;
}

/** Where this machine's PostgreSQL binaries are: PG_BIN, or the newest of /usr/lib/postgresql/<version>/bin. */
function binaries(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => /^[0-9]+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  if (versions.length === 0) throw new Error('no PostgreSQL binaries found: set PG_BIN to the folder of initdb and pg_ctl');
  return path.join(root, versions[0], 'bin');
}

const asRoot = process.getuid?.() === 0;

/** Runs a PostgreSQL binary, as the postgres user when this process is root. */
async function pg(bin: string, tool: string, args: string[]): Promise<void> {
  const [command, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', path.join(bin, tool), ...args]] : [path.join(bin, tool), args];
  await run(command, argv, { env: { ...process.env, LC_ALL: 'C' } });
}

export async function startStreamingReplica(): Promise<StreamingReplica> {
  const bin = binaries();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-replica-'));
  if (asRoot) await run('chown', ['postgres:postgres', root]);
  const primaryDir = path.join(root, 'primary');
  const standbyDir = path.join(root, 'standby');
  const [primaryPort, standbyPort] = [await freePort(), await freePort()];
  const started: string[] = [];
  const stop = async () => {
    for (const dir of started.reverse()) await pg(bin, 'pg_ctl', ['-D', dir, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
    fs.rmSync(root, { recursive: true, force: true });
  };
  const start = async (dir: string, port: number) => {
    // Sockets in the cluster's own folder: /var/run/postgresql may not be writable, nor shared with the machine's server.
    await pg(bin, 'pg_ctl', ['-D', dir, '-l', path.join(dir, 'server.log'), '-w', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`, 'start']);
    started.push(dir);
  };
  try {
    await pg(bin, 'initdb', ['-D', primaryDir, '-U', 'postgres', '--auth=trust', '--no-sync']);
    fs.appendFileSync(path.join(primaryDir, 'postgresql.conf'), [
      'wal_level = replica', 'max_wal_senders = 4', 'hot_standby = on', 'fsync = off', 'synchronous_commit = off',
      'full_page_writes = off', 'max_connections = 100', '',
    ].join('\n'));
    // initdb's trust lines cover local and loopback connections but not replication over TCP on every version.
    fs.appendFileSync(path.join(primaryDir, 'pg_hba.conf'), 'host replication postgres 127.0.0.1/32 trust\n');
    await start(primaryDir, primaryPort);
    await pg(bin, 'createdb', ['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres', 'test']);
    // -R writes standby.signal and the connection to the primary; -X stream copies the WAL written meanwhile; a fast
    // checkpoint starts the copy at once (a spread one waits minutes).
    await pg(bin, 'pg_basebackup', ['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres', '-D', standbyDir, '-R', '-X', 'stream', '--checkpoint=fast', '--no-sync']);
    await start(standbyDir, standbyPort);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    primaryUrl: `postgres://postgres@127.0.0.1:${primaryPort}/test`,
    replicaUrl: `postgres://postgres@127.0.0.1:${standbyPort}/test`,
    stop,
  };
}
