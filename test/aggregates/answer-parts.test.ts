// The parts of an aggregates answer that need no database: the periods a series is split into, and the answers
// kept between two refreshes of the facts.
import { describe, expect, it } from 'vitest';
import { AnswerCache } from '../../gateway/aggregates/answer-cache.js';
import type { AggregatesAnswer } from '../../gateway/aggregates/answer.js';
import { periodsBetween } from '../../gateway/aggregates/periods.js';

describe('periods of a series', () => {
  it('names each period by its first day and clips it to the dates asked', () => {
    expect(periodsBetween('2027-01-27', '2027-03-02', 'month')).toEqual([
      { start: '2027-01-01', from: '2027-01-27', to: '2027-01-31' },
      { start: '2027-02-01', from: '2027-02-01', to: '2027-02-28' },
      { start: '2027-03-01', from: '2027-03-01', to: '2027-03-02' },
    ]);
    // ISO weeks, Monday to Sunday: Wednesday 6 January 2027 is in the week of Monday the 4th.
    expect(periodsBetween('2027-01-06', '2027-01-11', 'week')).toEqual([
      { start: '2027-01-04', from: '2027-01-06', to: '2027-01-10' },
      { start: '2027-01-11', from: '2027-01-11', to: '2027-01-11' },
    ]);
    expect(periodsBetween('2027-03-27', '2027-03-28', 'day').map((p) => p.start)).toEqual(['2027-03-27', '2027-03-28']);
  });
});

describe('the answer cache', () => {
  const answer = (cells: number): AggregatesAnswer => ({
    measure: 'pupils', territory: 'national', by: [], threshold: 10, freshAt: '2026-12-02T10:00:00.000Z',
    cells: Array.from({ length: cells }, () => ({ value: 1 })),
  });
  const key = (territory: string, freshAt = '2026-12-02T10:00:00.000Z') => AnswerCache.key({ measure: 'pupils', territory, by: [], threshold: 10, freshAt });

  it('keys an answer by everything it depends on, the facts\' refresh time among them', () => {
    const cache = new AnswerCache(100);
    cache.set(key('national'), answer(1));
    expect(cache.get(key('national'))).toEqual(answer(1));
    expect(cache.get(key('national', '2026-12-02T10:05:00.000Z'))).toBeUndefined();
    expect(cache.get(AnswerCache.key({ measure: 'pupils', territory: 'national', by: ['level'], threshold: 10, freshAt: '2026-12-02T10:00:00.000Z' }))).toBeUndefined();
    expect(cache.get(AnswerCache.key({ measure: 'teachers', territory: 'national', by: [], threshold: 10, freshAt: '2026-12-02T10:00:00.000Z' }))).toBeUndefined();
  });

  it('holds at most so many cells, dropping the least recently used first, and never an answer larger than all of it', () => {
    const cache = new AnswerCache(10);
    cache.set(key('a'), answer(4));
    cache.set(key('b'), answer(4));
    cache.get(key('a'));
    cache.set(key('c'), answer(4));
    expect([key('a'), key('b'), key('c')].map((k) => cache.get(k) !== undefined)).toEqual([true, false, true]);
    cache.set(key('huge'), answer(11));
    expect(cache.get(key('huge'))).toBeUndefined();
    expect(cache.size).toBe(2);
    cache.set(key('a'), answer(6));
    expect(cache.size).toBe(2);
    cache.set(key('d'), answer(1));
    expect(cache.get(key('c'))).toBeUndefined();
  });
});
