// The gateway as it runs in production, for the benches: the compiled build, in a process of its own, on a
// schema of the bench's, answered once /ready says so.
import { execSync, spawn, type ChildProcess } from 'node:child_process';

export interface BuiltGatewayOptions {
  databaseUrl: string;
  schema: string;
  port: number;
  /** Extra environment (WEB_CONCURRENCY, LOG_LEVEL…). */
  env?: Record<string, string>;
  /** How long to wait for /ready, in 200 ms steps. */
  attempts?: number;
  /** Node flags before the script, such as `--cpu-prof` (which NODE_OPTIONS does not take). */
  nodeArgs?: readonly string[];
}

/** Whether this bench has built the gateway already: once is enough for every process it starts. */
let built = false;

export async function startBuiltGateway(options: BuiltGatewayOptions): Promise<ChildProcess> {
  if (!built) execSync('npm run build', { stdio: 'ignore' });
  built = true;
  const base = `http://127.0.0.1:${options.port}`;
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), 'dist/gateway/main.js', 'serve'], {
    env: {
      ...process.env, DATABASE_URL: options.databaseUrl, DATABASE_SCHEMA: options.schema, PORT: String(options.port), PUBLIC_URL: base,
      // A benchmark's few clients make thousands of requests a minute: the per-client rate limit would measure itself.
      DEMO_DATA: 'false', RATE_LIMIT_PER_MINUTE: '0', ...options.env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; i < (options.attempts ?? 150); i += 1) {
    try {
      if ((await fetch(`${base}/ready`)).ok) return child;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill();
  throw new Error('gateway did not become ready');
}

/** Stops a process the bench started (a gateway, a floor server) with SIGTERM, as an orchestrator would, and waits for its exit (a CPU profile it writes is on disk by then). */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}
