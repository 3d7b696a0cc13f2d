// Group commit: a commit costs a WAL flush, whatever it holds. One statement is in flight at a time; the items
// recorded meanwhile wait and go together in the next (up to `maxItems`), so under load a flush carries many
// callers' items, and alone a caller waits for nothing but its own statement. Each caller's promise resolves
// once its items are committed, or rejects with the statement's error.

export interface GroupCommit<T> {
  record(items: readonly T[]): Promise<void>;
  /** Waits for everything recorded so far to be written (or to fail). */
  close(): Promise<void>;
}

interface Waiting<T> {
  items: readonly T[];
  resolve(): void;
  reject(error: unknown): void;
}

export function groupCommit<T>(write: (items: T[]) => Promise<void>, options: { maxItems?: number } = {}): GroupCommit<T> {
  const maxItems = options.maxItems ?? 1_000;
  let queue: Waiting<T>[] = [];
  let flushing: Promise<void> | undefined;

  function takeBatch(): Waiting<T>[] {
    let n = 0;
    let size = 0;
    while (n < queue.length && (n === 0 || size + queue[n].items.length <= maxItems)) size += queue[n++].items.length;
    const batch = queue.slice(0, n);
    queue = queue.slice(n);
    return batch;
  }

  async function flush(): Promise<void> {
    while (queue.length) {
      const batch = takeBatch();
      try {
        await write(batch.flatMap((w) => w.items));
        for (const waiting of batch) waiting.resolve();
      } catch (error) {
        for (const waiting of batch) waiting.reject(error);
      }
    }
    flushing = undefined;
  }

  return {
    record(items) {
      if (!items.length) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        queue.push({ items, resolve, reject });
        // Started on the next turn of the event loop, so that the callers finishing in this one share it.
        flushing ??= new Promise<void>((started) => setImmediate(started)).then(flush);
      });
    },
    async close() {
      await flushing;
    },
  };
}
