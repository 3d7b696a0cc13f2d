import { describe, expect, it } from 'vitest';
import { bridgeGaps, clipIntervals, complementSpans, mergeIntervals, overlapMs } from '../../gateway/occupancy/intervals.js';
import { roomsBusy } from '../../gateway/occupancy/room-busy.js';
import { at, paris } from './fixtures.js';

const D = '2026-10-05';

describe('merging busy intervals', () => {
  it('sorts and joins overlapping intervals', () => {
    expect(mergeIntervals([at(D, '13:00', '15:00'), at(D, '08:00', '10:00'), at(D, '09:00', '11:00')]))
      .toEqual([at(D, '08:00', '11:00'), at(D, '13:00', '15:00')]);
  });

  it('joins touching intervals (back-to-back lessons are one busy stretch)', () => {
    expect(mergeIntervals([at(D, '10:00', '11:00'), at(D, '08:00', '10:00')])).toEqual([at(D, '08:00', '11:00')]);
  });

  it('keeps an interval inside another once', () => {
    expect(mergeIntervals([at(D, '08:00', '12:00'), at(D, '09:00', '10:00')])).toEqual([at(D, '08:00', '12:00')]);
  });

  it('drops empty, reversed and invalid intervals', () => {
    expect(mergeIntervals([at(D, '08:00', '08:00'), at(D, '10:00', '09:00'), { start: new Date(NaN), end: paris(`${D} 09:00`) }])).toEqual([]);
  });

  it('counts a room shared by two groups at the same time once', () => {
    const [room] = roomsBusy([{ id: 'r1', code: 'B12' }], [
      { roomIds: ['r1'], ...times(at(D, '08:00', '09:00')), status: 'scheduled' },
      { roomIds: ['r1'], ...times(at(D, '08:00', '09:00')), status: 'substituted' },
    ]);
    expect(mergeIntervals(room.busy)).toEqual([at(D, '08:00', '09:00')]);
  });
});

describe('the rooms busy intervals from occurrences', () => {
  it('leaves cancelled sessions out, keeps the other statuses, and ignores unknown rooms', () => {
    const rooms = roomsBusy([{ id: 'r1', code: 'B12', name: null, building: 'Bât. B' }, { id: 'r2', code: 'B13' }], [
      { roomIds: ['r1'], ...times(at(D, '08:00', '09:00')), status: 'cancelled' },
      { roomIds: ['r1', 'r2'], ...times(at(D, '09:00', '10:00')), status: 'moved' },
      { roomIds: ['r9'], ...times(at(D, '10:00', '11:00')), status: 'extra' },
    ]);
    expect(rooms).toEqual([
      { id: 'r1', code: 'B12', building: 'Bât. B', busy: [at(D, '09:00', '10:00')] },
      { id: 'r2', code: 'B13', busy: [at(D, '09:00', '10:00')] },
    ]);
  });

  it('copies a room field by field, so a wider record carries nothing else', () => {
    const wide = { id: 'r1', code: 'B12', teacher: 'Mme Martin' };
    expect(roomsBusy([wide], [])[0]).toEqual({ id: 'r1', code: 'B12', busy: [] });
  });
});

describe('clipping and gaps', () => {
  const merged = [at(D, '08:00', '10:00'), at(D, '13:00', '15:00')].map((i) => ({ start: i.start.getTime(), end: i.end.getTime() }));
  const window = { start: paris(`${D} 09:00`).getTime(), end: paris(`${D} 14:00`).getTime() };

  it('clips intervals to a window', () => {
    expect(clipIntervals([at(D, '13:00', '15:00'), at(D, '08:00', '10:00')], at(D, '09:00', '14:00')))
      .toEqual([at(D, '09:00', '10:00'), at(D, '13:00', '14:00')]);
  });

  it('measures the covered part of a window', () => {
    expect(overlapMs(merged, window)).toBe(2 * 3_600_000);
  });

  it('gives the uncovered parts of a window', () => {
    expect(complementSpans(merged, window)).toEqual([{ start: paris(`${D} 10:00`).getTime(), end: paris(`${D} 13:00`).getTime() }]);
  });

  it('bridges only the gaps strictly shorter than asked', () => {
    expect(bridgeGaps(merged, 3 * 3_600_000 + 1)).toHaveLength(1);
    expect(bridgeGaps(merged, 3 * 3_600_000)).toHaveLength(2);
  });
});

function times(interval: { start: Date; end: Date }) {
  return { startsAt: interval.start, endsAt: interval.end };
}
