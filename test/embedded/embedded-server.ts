// `passerelle serve` and other commands as real processes on an embedded data folder, as `npm start` runs
// them: no DATABASE_URL, no Redis.
import { spawn, type ChildProcess } from 'node:child_process';
import { expect } from 'vitest';

const cli = ['--import', 'tsx', 'gateway/main.ts'];

/** The environment of a fresh shell on this machine: no database or Redis configured. */
export function embeddedEnv(dataDir: string, port: number): NodeJS.ProcessEnv {
  const { DATABASE_URL: _d, DATABASE_SCHEMA: _s, REDIS_URL: _r, DEMO_DATA: _demo, ...rest } = process.env;
  return { ...rest, PASSERELLE_DATA_DIR: dataDir, PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, LOG_LEVEL: 'warn' };
}

export interface Served {
  child: ChildProcess;
  clientId: string;
  clientSecret: string;
}

/** Starts the gateway and waits for the demo banner; `children` collects the process for the suite to kill. */
export async function serve(dataDir: string, port: number, children: ChildProcess[]): Promise<Served> {
  const child = spawn(process.execPath, [...cli, 'serve'], { env: embeddedEnv(dataDir, port), stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += String(chunk)));
  for (let i = 0; i < 3000 && !/client_secret\s+\S+/.test(stderr); i += 1) {
    if (child.exitCode !== null) throw new Error(`serve exited with ${child.exitCode}: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const clientId = /client_id\s+(\S+)/.exec(stderr)?.[1];
  const clientSecret = /client_secret\s+(\S+)/.exec(stderr)?.[1];
  if (!clientId || !clientSecret) throw new Error(`no credentials in the banner: ${stderr}`);
  expect(stderr).toContain(`http://127.0.0.1:${port}/docs`);
  expect(stderr).toMatch(/curl -s -u '[^']+' -d grant_type=client_credentials/);
  return { child, clientId, clientSecret };
}

export async function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill(signal);
  return exited;
}

export interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `passerelle ARGS...` to its end, without blocking the test's event loop. */
export function passerelle(env: NodeJS.ProcessEnv, ...args: string[]): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...cli, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += String(chunk)));
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}
