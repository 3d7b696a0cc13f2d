// Where the feeds' reads go. With a streaming replica (DATABASE_READ_URL), listings, look-ups, the change feed,
// occupancy and aggregates read from it, and everything else (writes, the change log's numbers, jobs, auth, audit)
// stays on the primary. A replica replays the primary's transactions in commit order, so its change counter is the
// position of what it holds: a request holding a cursor of a later position waits for it a moment, then reads
// from the primary, and a client's cursor never goes backwards.
import { sql, type Kysely, type KyselyPlugin, type PluginTransformQueryArgs, type PluginTransformResultArgs, type QueryResult, type RootOperationNode, type UnknownRow } from 'kysely';
import { committedSequence } from './changelog.js';
import type { Database } from './tables.js';

export type FallbackReason = 'behind' | 'unreachable';

/** One request's reads: every statement of it reads from the same server, and the same connection of a replica. */
export interface ReadSession {
  /**
   * A database holding every change up to `position` (none: any position). The first call takes a replica's
   * connection and keeps it for the session: statements behind a load balancer must not meet replicas at
   * different positions. Once the session has fallen back to the primary, it stays there.
   */
  at(position?: bigint): Promise<Kysely<Database>>;
  /** Gives the replica's connection back: the request is over. */
  release(): void;
}

export interface ReplicaStatus {
  reachable: boolean;
  /** The position the replica has replayed (null when unreachable). */
  head: bigint | null;
  /** How long ago the last transaction it replayed committed on the primary; 0 when it has replayed all it received. */
  lagSeconds: number | null;
}

export interface ReadSide {
  readonly primary: Kysely<Database>;
  /** True when reads go to a replica. */
  readonly replicated: boolean;
  session(): ReadSession;
  /** The replica's state, for metrics and readiness; undefined without a replica. */
  replicaStatus(): Promise<ReplicaStatus | undefined>;
  /** Sessions sent to the primary since the start, by reason. */
  fallbacks(): Readonly<Record<FallbackReason, number>>;
}

export interface ReplicaOptions {
  /** How long a request waits for the replica to replay its cursor's position before it reads from the primary. */
  waitMs: number;
  /** Told of each fallback to the primary (the replica's error when unreachable). */
  onFallback?: (reason: FallbackReason, error?: unknown) => void;
}

const NO_FALLBACKS = Object.freeze({ behind: 0, unreachable: 0 });

/** Every read from the primary: no replica is configured (or the store is embedded). */
export function primaryReads(db: Kysely<Database>): ReadSide {
  const session: ReadSession = { at: async () => db, release: () => undefined };
  return { primary: db, replicated: false, session: () => session, replicaStatus: async () => undefined, fallbacks: () => NO_FALLBACKS };
}

/** While the replica is unreachable, sessions skip it for this long instead of each waiting on a connection. */
const RETRY_AFTER_MS = 5000;
const POLL_MS = 25;

export function replicaReads(primary: Kysely<Database>, replica: Kysely<Database>, options: ReplicaOptions): ReadSide {
  let downUntil = 0;
  const counts = { behind: 0, unreachable: 0 };
  const fellBack = (reason: FallbackReason, error?: unknown) => {
    counts[reason] += 1;
    if (reason === 'unreachable') downUntil = Date.now() + RETRY_AFTER_MS;
    options.onFallback?.(reason, error);
  };

  /**
   * Holds one replica connection until released; resolves with the database bound to it, or the primary. A
   * request can be over (its client gone) while its handler still reads: the connection goes back to the pool
   * only once the statements begun before the release are done, and any statement after it is refused, so that
   * none runs on a connection another request holds.
   */
  const pin = (held: Promise<void>, isReleased: () => boolean): Promise<Kysely<Database>> => {
    if (Date.now() < downUntil) {
      counts.unreachable += 1;
      return Promise.resolve(primary);
    }
    return new Promise((resolve) => {
      replica.connection().execute(async (connection) => {
        resolve(connection.withPlugin(new RefusedAfter(isReleased)));
        await held;
        // A connection's statements run one after the other, in order: this turn comes after theirs.
        await connection.connection().execute(async () => undefined);
      }).catch((error: unknown) => {
        fellBack('unreachable', error);
        resolve(primary);
      });
    });
  };

  /** Polls the replica's position on the session's connection until it reaches `position` or the wait is over. */
  const reaches = async (db: Kysely<Database>, position: bigint): Promise<boolean> => {
    const deadline = Date.now() + options.waitMs;
    for (;;) {
      if ((await committedSequence(db)) >= position) return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_MS, left)));
    }
  };

  return {
    primary,
    replicated: true,
    session() {
      let done!: () => void;
      const held = new Promise<void>((resolve) => (done = resolve));
      let chosen: Promise<Kysely<Database>> | undefined;
      let released = false;
      /** The replica's position known to this session: a position at or below it needs no check. */
      let replayed = -1n;
      return {
        async at(position) {
          if (released) return primary;
          const db = await (chosen ??= pin(held, () => released));
          if (db === primary || position === undefined || position <= replayed) return db;
          let caughtUp: boolean;
          try {
            caughtUp = await reaches(db, position);
          } catch (error) {
            fellBack('unreachable', error);
            chosen = Promise.resolve(primary);
            return primary;
          }
          if (caughtUp) {
            replayed = position;
            return db;
          }
          fellBack('behind');
          // The connection stays held until the request is over: a statement begun on it may still be running.
          chosen = Promise.resolve(primary);
          return primary;
        },
        release() {
          released = true;
          done();
        },
      };
    },
    async replicaStatus() {
      try {
        const [head, lag] = await Promise.all([committedSequence(replica), replayLagSeconds(replica)]);
        return { reachable: true, head, lagSeconds: lag };
      } catch {
        return { reachable: false, head: null, lagSeconds: null };
      }
    },
    fallbacks: () => ({ ...counts }),
  };
}

/** Refuses the statements of a request that is over (its pinned connection is going back to the pool). */
class RefusedAfter implements KyselyPlugin {
  constructor(private readonly isOver: () => boolean) {}

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    if (this.isOver()) throw new Error('the request is over: its replica connection is given back');
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

/**
 * Seconds since the last transaction the standby replayed committed on the primary, or 0 when it has replayed all
 * the WAL it received (an idle primary writes nothing: its replica is caught up however old that transaction is).
 */
async function replayLagSeconds(replica: Kysely<Database>): Promise<number> {
  const { rows: [row] } = await sql<{ lag: number | null }>`
    select case when not pg_is_in_recovery() or pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() then 0
      else extract(epoch from now() - pg_last_xact_replay_timestamp())::float8 end as lag`.execute(replica);
  return Math.max(0, row.lag ?? 0);
}
