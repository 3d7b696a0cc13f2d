// The change log's metrics: its head on the primary, and how far the read replica is behind it, in positions and
// in seconds, with the reads sent back to the primary. Read at scrape time, like the jobs'.
import { Counter, Gauge, type Registry } from 'prom-client';
import { committedSequence } from '../store/changelog.js';
import type { ReadSide, ReplicaStatus } from '../store/read-side.js';

export function registerReplicaMetrics(registry: Registry, reads: ReadSide): void {
  // One look at the replica per scrape, shared by the gauges that show it.
  let scrape: Promise<{ head: bigint; replica: ReplicaStatus | undefined }> | undefined;
  const observe = () => (scrape ??= (async () => {
    try {
      const [head, replica] = await Promise.all([committedSequence(reads.primary), reads.replicaStatus()]);
      return { head, replica };
    } finally {
      setImmediate(() => (scrape = undefined));
    }
  })());

  new Gauge({
    name: 'passerelle_change_log_head_seq',
    help: 'The last change-log position committed on the primary',
    registers: [registry],
    async collect() {
      this.set(Number((await observe()).head));
    },
  });
  if (reads.replicated) {
    new Gauge({
      name: 'passerelle_read_replica_up',
      help: 'Whether the read replica answers (1) or not (0: reads go to the primary)',
      registers: [registry],
      async collect() {
        this.set((await observe()).replica?.reachable ? 1 : 0);
      },
    });
  }
  // Unknown (NaN) while the replica does not answer: neither caught up nor behind by any number.
  new Gauge({
    name: 'passerelle_read_replica_lag_seq',
    help: 'Change-log positions the read replica has not replayed yet (0 without a replica, NaN when it does not answer)',
    registers: [registry],
    async collect() {
      const { head, replica } = await observe();
      // Read after the primary's head, the replica's may be past it: it is then caught up.
      this.set(!replica ? 0 : replica.head === null ? NaN : Math.max(0, Number(head - replica.head)));
    },
  });
  new Gauge({
    name: 'passerelle_read_replica_lag_seconds',
    help: 'Age of the last transaction the read replica replayed while it has more to replay (0 when caught up or without a replica, NaN when it does not answer)',
    registers: [registry],
    async collect() {
      const { replica } = await observe();
      this.set(!replica ? 0 : replica.lagSeconds ?? NaN);
    },
  });
  new Counter({
    name: 'passerelle_read_replica_fallbacks_total',
    help: 'Requests whose reads went to the primary instead of the replica: behind their cursor, or unreachable',
    labelNames: ['reason'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [reason, count] of Object.entries(reads.fallbacks())) this.inc({ reason }, count);
    },
  });
}
