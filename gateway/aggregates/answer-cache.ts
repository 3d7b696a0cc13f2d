// Answers from what the aggregates refresh brings up to date (the establishments' facts, the lessons' day sums),
// kept in this process until the next refresh: a national table's suppression takes about a second, and the same
// few questions come back from every dashboard. The key holds everything the answer depends on, the refresh time
// among them, so a refresh makes every older entry unreachable (they age out) and two replicas never disagree:
// each caches only what it would compute.
import type { AggregatesAnswer, AggregatesRequest } from './answer.js';

interface Entry {
  readonly answer: AggregatesAnswer;
  readonly weight: number;
}

export class AnswerCache {
  readonly #entries = new Map<string, Entry>();
  #weight = 0;

  /**
   * Holds answers of at most `maxCells` cells in all (an answer's size is about its cells'), the least recently
   * used dropped first; an answer larger than that is not kept.
   */
  constructor(private readonly maxCells: number) {}

  static key(parts: AggregatesRequest & { measure: string; freshAt: string }): string {
    const { measure, territory, by, threshold, from, to, period, staleDays, freshAt } = parts;
    return JSON.stringify([measure, territory, by, threshold, from ?? null, to ?? null, period ?? null, staleDays ?? null, freshAt]);
  }

  get(key: string): AggregatesAnswer | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    // Map keeps insertion order: taking it out and in again makes it the most recent.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.answer;
  }

  set(key: string, answer: AggregatesAnswer): void {
    this.#drop(key);
    const weight = Math.max(1, answer.cells?.length ?? 0);
    if (weight > this.maxCells) return;
    this.#entries.set(key, { answer, weight });
    this.#weight += weight;
    for (const oldest of this.#entries.keys()) {
      if (this.#weight <= this.maxCells) break;
      this.#drop(oldest);
    }
  }

  /** How many answers are kept. */
  get size(): number {
    return this.#entries.size;
  }

  #drop(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    this.#weight -= entry.weight;
  }
}
