// Requests spread round-robin over gateway processes addressed directly, as a load balancer without affinity
// would, each one recorded (which process, whether answered, how it failed), so that a test can tell the
// requests a killed process took with it from any other. A process taken out of the rotation gets no request
// after that instant, as a balancer's health check would ensure. Each named stream of requests keeps a rotation
// of its own, so that a client's successive requests alternate whatever the other clients send in between.

export interface TrackedRequest {
  readonly id: number;
  /** The index of the process it went to. */
  readonly target: number;
  readonly path: string;
  /** Set once answered. */
  status?: number;
  /** Set when it failed without an answer (connection reset, timeout). */
  error?: string;
}

export interface TrackedAnswer {
  readonly request: TrackedRequest;
  /** The parsed JSON body of an answer, when it has one. */
  readonly body?: unknown;
}

export class TrackedRequests {
  readonly requests: TrackedRequest[] = [];
  readonly #down = new Set<number>();
  readonly #next = new Map<string, number>();

  constructor(private readonly bases: readonly string[]) {}

  /** Sends no more requests to `target`, and returns those it has in flight at this instant. */
  takeOut(target: number): TrackedRequest[] {
    this.#down.add(target);
    return this.pending().filter((request) => request.target === target);
  }

  pending(): TrackedRequest[] {
    return this.requests.filter((request) => request.status === undefined && request.error === undefined);
  }

  /** GETs `path` (from `/v1...`) on the next process in `stream`'s rotation; never throws. */
  async get(path: string, token: string, stream = ''): Promise<TrackedAnswer> {
    const live = this.bases.map((_, i) => i).filter((i) => !this.#down.has(i));
    const turn = this.#next.get(stream) ?? 0;
    this.#next.set(stream, turn + 1);
    const target = live[turn % live.length];
    const request: TrackedRequest = { id: this.requests.length, target, path };
    this.requests.push(request);
    try {
      const response = await fetch(this.bases[target] + path, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(30_000) });
      const text = await response.text();
      request.status = response.status;
      return { request, body: /json/.test(response.headers.get('content-type') ?? '') ? JSON.parse(text) : undefined };
    } catch (error) {
      request.error = String((error as Error).cause ?? error);
      return { request };
    }
  }
}
