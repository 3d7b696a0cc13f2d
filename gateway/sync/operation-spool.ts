// Temporary NDJSON files, one per key (an establishment, a source structure), so that an import of a delivery
// not sorted by establishment keeps flat memory: entries are buffered up to a small budget, then appended to
// their file; each key is read back on its own. Everything lives in one folder under os.tmpdir(), removed by close().
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** Bytes buffered across all keys before they are written out. */
const BUFFER_BUDGET = 4 * 1024 * 1024;

export class OperationSpool<T> {
  private readonly files = new Map<string, string>();
  private readonly buffers = new Map<string, string[]>();
  private readonly counts = new Map<string, number>();
  private buffered = 0;
  private writing: Promise<void> = Promise.resolve();

  private constructor(private readonly folder: string) {}

  static async open<T>(prefix: string): Promise<OperationSpool<T>> {
    return new OperationSpool<T>(await fs.mkdtemp(path.join(os.tmpdir(), prefix)));
  }

  async add(key: string, entry: T): Promise<void> {
    const line = JSON.stringify(entry) + '\n';
    let buffer = this.buffers.get(key);
    if (!buffer) {
      buffer = [];
      this.buffers.set(key, buffer);
      if (!this.files.has(key)) this.files.set(key, path.join(this.folder, `${this.files.size}.ndjson`));
    }
    buffer.push(line);
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    this.buffered += line.length;
    if (this.buffered > BUFFER_BUDGET) await this.flush();
  }

  /** Appends what is buffered; appends are chained, so that a reader never sees a file before its earlier lines. */
  private flush(): Promise<void> {
    const batch = [...this.buffers];
    this.buffers.clear();
    this.buffered = 0;
    this.writing = this.writing.then(async () => {
      for (const [key, lines] of batch) await fs.appendFile(this.files.get(key)!, lines.join(''));
    });
    return this.writing;
  }

  keys(): string[] {
    return [...this.files.keys()];
  }

  count(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  /** The entries of a key, in the order they were added. */
  async *read(key: string): AsyncGenerator<T> {
    await this.flush();
    const file = this.files.get(key);
    if (!file) return;
    // Lines are split by hand: the spool writes them itself (\n only, JSON inside), and readline costs more.
    let rest = '';
    for await (const text of createReadStream(file, { encoding: 'utf8', highWaterMark: 1024 * 1024 })) {
      const lines = (rest + (text as string)).split('\n');
      rest = lines.pop()!;
      for (const line of lines) if (line) yield JSON.parse(line) as T;
    }
    if (rest) yield JSON.parse(rest) as T;
  }

  async close(): Promise<void> {
    await fs.rm(this.folder, { recursive: true, force: true });
  }
}
