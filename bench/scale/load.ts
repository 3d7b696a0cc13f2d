// bench/scale's load: one page under a number of connections spread evenly over several servers (as a load
// balancer without affinity would), measured as one: requests per second over all of them, and the latency of
// every response in one distribution (autocannon per server, its responses collected as they come).
import autocannon from 'autocannon';

export interface Measure {
  /** Requests answered per second, over every server. */
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  /** Non-2xx answers and failed requests. */
  readonly errors: number;
  readonly requests: number;
}

export interface LoadOptions {
  /** The page's URL on each server. */
  readonly urls: readonly string[];
  readonly connections: number;
  readonly seconds: number;
  readonly headers?: Record<string, string>;
}

/** Runs the load for `seconds` and measures it. */
export async function load(options: LoadOptions): Promise<Measure> {
  const latencies: number[] = [];
  let errors = 0;
  const share = (i: number) => Math.floor(options.connections / options.urls.length) + (i < options.connections % options.urls.length ? 1 : 0);
  const started = performance.now();
  await Promise.all(options.urls.map((url, i) => new Promise<void>((resolve, reject) => {
    const instance = autocannon({ url, connections: share(i), duration: options.seconds, headers: options.headers }, (error, result) => {
      if (error) reject(error);
      else {
        errors += result.non2xx + result.errors + result.timeouts;
        resolve();
      }
    });
    instance.on('response', (_client, _status, _bytes, responseTime) => void latencies.push(responseTime));
  })));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  return { rps: latencies.length / elapsed, p50: at(0.5), p99: at(0.99), errors, requests: latencies.length };
}
