// bench/roster: the CPU a server uses per request, its own and its PostgreSQL backends', from /proc. On a shared
// machine throughput moves with everyone's load; the CPU a request costs moves much less, and says where it goes.
import fs from 'node:fs/promises';
import type pg from 'pg';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** utime + stime of a process (every thread), in seconds; 0 once it is gone. */
export async function cpuSecondsOf(pid: number): Promise<number> {
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  // Fields after the command name (which may hold spaces), from the third: utime and stime are the 14th and 15th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields.length > 13 ? (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND : 0;
}

/** The process and its descendants (a gateway started with --workers forks them). */
async function processTree(root: number): Promise<number[]> {
  const parents = new Map<number, number>();
  for (const entry of await fs.readdir('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    const stat = await fs.readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    parents.set(Number(entry), ppid);
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i += 1) for (const [pid, ppid] of parents) if (ppid === tree[i]) tree.push(pid);
  return tree;
}

/** Local TCP ports of the processes' sockets connected to `port` (PostgreSQL's). */
async function portsTo(pids: number[], port: number): Promise<number[]> {
  const inodes = new Set<string>();
  for (const pid of pids) {
    for (const fd of await fs.readdir(`/proc/${pid}/fd`).catch(() => [] as string[])) {
      const target = await fs.readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      const match = /^socket:\[([0-9]+)\]$/.exec(target);
      if (match) inodes.add(match[1]);
    }
  }
  const ports: number[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of (await fs.readFile(table, 'utf8').catch(() => '')).split('\n').slice(1)) {
      const columns = line.trim().split(/\s+/);
      if (columns.length < 10 || !inodes.has(columns[9])) continue;
      const remotePort = parseInt(columns[2].split(':')[1], 16);
      if (remotePort === port) ports.push(parseInt(columns[1].split(':')[1], 16));
    }
  }
  return ports;
}

export interface CpuSample { server: number; backends: Map<number, number> }

/**
 * The CPU seconds used so far by a server (the process `pid` and its children) and by the PostgreSQL backends
 * serving its connections (found by their client ports; PostgreSQL on this machine, else none are seen).
 */
export async function sampleCpu(pid: number, admin: pg.Pool, postgresPort: number): Promise<CpuSample> {
  const tree = await processTree(pid);
  const ports = await portsTo(tree, postgresPort);
  const { rows } = await admin.query<{ pid: number }>('select pid from pg_stat_activity where client_port = any($1::int[])', [ports]);
  const backends = new Map<number, number>();
  for (const row of rows) backends.set(row.pid, await cpuSecondsOf(row.pid));
  let server = 0;
  for (const p of tree) server += await cpuSecondsOf(p);
  return { server, backends };
}

/** CPU milliseconds per request between two samples, in the server and in its backends. */
export function cpuPerRequest(before: CpuSample, after: CpuSample, requests: number): { serverMs: number; postgresMs: number } {
  let postgres = 0;
  // A backend opened during the measure counts from 0; one closed during it is not seen at the end (rare: the
  // pools keep their connections while they are busy).
  for (const [pid, seconds] of after.backends) postgres += seconds - (before.backends.get(pid) ?? 0);
  return { serverMs: ((after.server - before.server) * 1000) / requests, postgresMs: (postgres * 1000) / requests };
}

/** The processes whose command is `name` (such as redis-server), on this machine. */
export async function pidsNamed(name: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await fs.readdir('/proc')) {
    if (/^[0-9]+$/.test(entry) && (await fs.readFile(`/proc/${entry}/comm`, 'utf8').catch(() => '')).trim() === name) pids.push(Number(entry));
  }
  return pids;
}
