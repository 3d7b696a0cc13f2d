// A load balancer without affinity in front of gateway processes: each request goes to the next target in turn,
// among those it routes to. A test takes a process out of the rotation (as a health check would, once it died)
// and reads which target served each request.
import http from 'node:http';

export interface Balanced {
  readonly target: number;
  readonly method: string;
  readonly path: string;
}

export interface Balancer {
  /** Every request sent on, in order. */
  readonly log: readonly Balanced[];
  /** The requests target `index` has been sent. */
  served(index: number): number;
  /** Sends the following requests to these targets only (every one at first). */
  routeTo(indices: readonly number[]): void;
  close(): Promise<void>;
}

/** Listens on `port` (loopback) in front of `targets`, base URLs such as http://127.0.0.1:41234. */
export async function startBalancer(port: number, targets: readonly string[]): Promise<Balancer> {
  const log: Balanced[] = [];
  let live = targets.map((_, i) => i);
  let next = 0;
  const server = http.createServer((req, res) => {
    const index = live[next++ % live.length];
    log.push({ target: index, method: req.method ?? 'GET', path: req.url ?? '/' });
    const target = new URL(targets[index]);
    const upstream = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    log,
    served: (index) => log.filter((entry) => entry.target === index).length,
    routeTo(indices) {
      live = [...indices];
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
