// `passerelle serve --workers 2` as a machine would run it: two processes on one port, one restarted when it
// dies, all stopped cleanly on SIGTERM.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL, uniqueSchema } from '../support/database.js';
import { freePort } from '../support/gateway.js';

const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
});

function workersOf(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

async function until<T>(probe: () => Promise<T | undefined> | T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 600; i += 1) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe('serve --workers', () => {
  it('runs the workers on one port, replaces one that dies, and stops all on SIGTERM', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const primary = spawn(process.execPath, ['--import', 'tsx', 'gateway/main.ts', 'serve', '--workers', '2'], {
      env: { ...process.env, DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: uniqueSchema('workers'), PORT: String(port), PUBLIC_URL: base, LOG_LEVEL: 'warn', DEMO_DATA: 'false' },
      stdio: 'ignore',
    });
    children.push(primary);
    const ready = async () => (await fetch(`${base}/ready`).then((r) => r.status, () => 0)) === 200 ? true : undefined;
    await until(ready, 'the workers to answer');
    const first = await until(() => (workersOf(primary.pid!).length === 2 ? workersOf(primary.pid!) : undefined), 'two workers');

    process.kill(first[0], 'SIGKILL');
    const replaced = await until(() => {
      const now = workersOf(primary.pid!);
      return now.length === 2 && !now.includes(first[0]) ? now : undefined;
    }, 'a replacement worker');
    expect(replaced).toContain(first[1]);
    await until(ready, 'the gateway to answer again');

    const exit = new Promise<number | null>((resolve) => primary.once('exit', (code) => resolve(code)));
    primary.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(workersOf(primary.pid!)).toEqual([]);
  }, 120_000);

  it('refuses several workers on the embedded database, saying why', () => {
    const { DATABASE_URL: _url, ...env } = process.env;
    let stderr = '';
    try {
      execFileSync(process.execPath, ['--import', 'tsx', 'gateway/main.ts', 'serve', '--workers', '2'], { env: { ...env, PASSERELLE_DATA_DIR: '/nonexistent-unused' }, encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      stderr = String((error as { stderr: string }).stderr);
    }
    expect(stderr).toContain('--workers above 1 needs DATABASE_URL');
  }, 60_000);
});
