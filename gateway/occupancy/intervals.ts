// Interval arithmetic for occupancy and heating. The work is done on spans of epoch milliseconds (a year of a
// room's lessons is thousands of intervals, counted once per day and hour); `Interval` (Dates) is the edge.

import type { Interval } from './model.js';

/** Epoch milliseconds, start inclusive, end exclusive. */
export interface Span {
  start: number;
  end: number;
}

export const spanOf = (interval: Interval): Span => ({ start: interval.start.getTime(), end: interval.end.getTime() });
export const intervalOf = (span: Span): Interval => ({ start: new Date(span.start), end: new Date(span.end) });

/**
 * Sorted, disjoint spans covering the same time: overlapping and touching spans are joined (two groups in one
 * room at once count once; back-to-back lessons make one busy stretch). Empty or invalid spans are dropped.
 */
export function mergeSpans(spans: Iterable<Span>): Span[] {
  const sorted = [...spans]
    .filter((span) => Number.isFinite(span.start) && Number.isFinite(span.end) && span.end > span.start)
    .sort((a, b) => a.start - b.start || a.end - b.end);
  const merged: Span[] = [];
  for (const span of sorted) {
    const last = merged[merged.length - 1];
    if (last !== undefined && span.start <= last.end) last.end = Math.max(last.end, span.end);
    else merged.push({ start: span.start, end: span.end });
  }
  return merged;
}

/** `mergeSpans` on Dates. */
export function mergeIntervals(intervals: Iterable<Interval>): Interval[] {
  return mergeSpans([...intervals].map(spanOf)).map(intervalOf);
}

/** The index of the first of sorted, disjoint spans that ends after `instant`. */
function firstEndingAfter(merged: readonly Span[], instant: number): number {
  let low = 0;
  let high = merged.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (merged[middle].end <= instant) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The parts of sorted, disjoint spans that fall within `window`. */
export function clipSpans(merged: readonly Span[], window: Span): Span[] {
  const clipped: Span[] = [];
  for (let i = firstEndingAfter(merged, window.start); i < merged.length && merged[i].start < window.end; i += 1) {
    clipped.push({ start: Math.max(merged[i].start, window.start), end: Math.min(merged[i].end, window.end) });
  }
  return clipped;
}

/** `clipSpans` on Dates (the intervals are merged first). */
export function clipIntervals(intervals: Iterable<Interval>, window: Interval): Interval[] {
  return clipSpans(mergeSpans([...intervals].map(spanOf)), spanOf(window)).map(intervalOf);
}

/** How many milliseconds of `window` sorted, disjoint spans cover. */
export function overlapMs(merged: readonly Span[], window: Span): number {
  return clipSpans(merged, window).reduce((total, span) => total + span.end - span.start, 0);
}

/** The parts of `window` that sorted, disjoint spans leave uncovered. */
export function complementSpans(merged: readonly Span[], window: Span): Span[] {
  const gaps: Span[] = [];
  let cursor = window.start;
  for (const span of clipSpans(merged, window)) {
    if (span.start > cursor) gaps.push({ start: cursor, end: span.start });
    cursor = span.end;
  }
  if (cursor < window.end) gaps.push({ start: cursor, end: window.end });
  return gaps;
}

/** Sorted, disjoint spans with every gap shorter than `gapMs` filled. */
export function bridgeGaps(merged: readonly Span[], gapMs: number): Span[] {
  const bridged: Span[] = [];
  for (const span of merged) {
    const last = bridged[bridged.length - 1];
    if (last !== undefined && span.start - last.end < gapMs) last.end = Math.max(last.end, span.end);
    else bridged.push({ start: span.start, end: span.end });
  }
  return bridged;
}
