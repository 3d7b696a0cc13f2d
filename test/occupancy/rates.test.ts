import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { establishmentOccupancy } from '../../gateway/occupancy/rates.js';
import type { RoomBusy } from '../../gateway/occupancy/model.js';
import { at, PARIS } from './fixtures.js';

// The week of Monday 2026-10-05 (CEST), open 08:00–18:00 Monday to Friday: 600 minutes a day, 3000 a week.
const WEEK = { uai: '0691234A', timeZone: PARIS, from: '2026-10-05', to: '2026-10-11' };
const A101: RoomBusy = {
  id: 'r-a101', code: 'A101', name: 'Salle 101', building: 'Bâtiment A', capacity: 30,
  busy: [
    at('2026-10-05', '08:00', '10:00'), // a group…
    at('2026-10-05', '09:00', '10:00'), // …another one in the same room at once: counted once
    at('2026-10-05', '10:00', '11:00'), // touching: Monday is 08:00–11:00, 180 minutes
    at('2026-10-06', '07:00', '08:30'), // Tuesday: 30 minutes within the opening hours
    at('2026-10-07', '13:00', '15:00'), // Wednesday afternoon counts like any other: 120 minutes
    at('2026-10-10', '08:00', '12:00'), // Saturday: listed, not counted
  ],
};
const A102: RoomBusy = { id: 'r-a102', code: 'A102', building: 'Bâtiment A', busy: [at('2026-10-08', '08:00', '18:00')] };
const GYM: RoomBusy = { id: 'r-gym', code: 'GYM', busy: [at('2026-10-09', '10:00', '11:15')] };

describe('occupancy rates on a hand-computed week', () => {
  const occupancy = establishmentOccupancy({ ...WEEK, rooms: [GYM, A102, A101] });
  const a101 = occupancy.rooms.find((room) => room.id === 'r-a101')!;

  it('gives a room its busy minutes within the opening hours of open days over their opening minutes', () => {
    expect(a101).toMatchObject({ code: 'A101', name: 'Salle 101', building: 'Bâtiment A', capacity: 30, openMinutes: 3000, busyMinutes: 330, rate: 0.11 });
  });

  it('rates each open day, and lists no weekend day', () => {
    expect(a101.byDay).toEqual([
      { date: '2026-10-05', openMinutes: 600, busyMinutes: 180, rate: 0.3 },
      { date: '2026-10-06', openMinutes: 600, busyMinutes: 30, rate: 0.05 },
      { date: '2026-10-07', openMinutes: 600, busyMinutes: 120, rate: 0.2 },
      { date: '2026-10-08', openMinutes: 600, busyMinutes: 0, rate: 0 },
      { date: '2026-10-09', openMinutes: 600, busyMinutes: 0, rate: 0 },
    ]);
  });

  it('rates each hour of the opening hours over the open days', () => {
    expect(a101.byHour).toEqual([
      { hour: '08:00', rate: 0.3 }, // Monday 60 + Tuesday 30 of 5 × 60
      { hour: '09:00', rate: 0.2 },
      { hour: '10:00', rate: 0.2 },
      { hour: '11:00', rate: 0 },
      { hour: '12:00', rate: 0 },
      { hour: '13:00', rate: 0.2 },
      { hour: '14:00', rate: 0.2 },
      { hour: '15:00', rate: 0 },
      { hour: '16:00', rate: 0 },
      { hour: '17:00', rate: 0 },
    ]);
  });

  it('lists the merged busy intervals of the range, Saturday included, with the local offset', () => {
    expect(a101.busy).toEqual([
      { start: '2026-10-05T08:00:00+02:00', end: '2026-10-05T11:00:00+02:00' },
      { start: '2026-10-06T07:00:00+02:00', end: '2026-10-06T08:30:00+02:00' },
      { start: '2026-10-07T13:00:00+02:00', end: '2026-10-07T15:00:00+02:00' },
      { start: '2026-10-10T08:00:00+02:00', end: '2026-10-10T12:00:00+02:00' },
    ]);
  });

  it('aggregates buildings over their rooms, the rooms with none under a null building, last', () => {
    expect(occupancy.buildings.map(({ building, roomIds, busyMinutes, openMinutes, rate }) => ({ building, roomIds, busyMinutes, openMinutes, rate }))).toEqual([
      { building: 'Bâtiment A', roomIds: ['r-a101', 'r-a102'], busyMinutes: 930, openMinutes: 6000, rate: 0.155 },
      { building: null, roomIds: ['r-gym'], busyMinutes: 75, openMinutes: 3000, rate: 0.025 },
    ]);
    const buildingA = occupancy.buildings[0];
    expect(buildingA.byDay.find((day) => day.date === '2026-10-08')).toEqual({ date: '2026-10-08', openMinutes: 1200, busyMinutes: 600, rate: 0.5 });
    expect(buildingA.byHour[0]).toEqual({ hour: '08:00', rate: 0.25 }); // (90 + 60) of 2 rooms × 300
  });

  it('rates the establishment over all its rooms, rounded to 4 decimals', () => {
    expect(occupancy).toMatchObject({ uai: '0691234A', openMinutes: 9000, busyMinutes: 1005, rate: 0.1117 });
    expect(occupancy.openingHours).toEqual({ start: '08:00', end: '18:00', weekdays: [1, 2, 3, 4, 5] });
  });

  it('orders rooms by building then code', () => {
    expect(occupancy.rooms.map((room) => room.code)).toEqual(['A101', 'A102', 'GYM']);
  });
});

describe('closed dates', () => {
  it('takes closed dates out of the denominator and out of the days', () => {
    const occupancy = establishmentOccupancy({ ...WEEK, rooms: [A101], closedDates: ['2026-10-07', '2026-12-25'] });
    expect(occupancy.rooms[0]).toMatchObject({ openMinutes: 2400, busyMinutes: 210, rate: 0.0875 });
    expect(occupancy.rooms[0].byDay.map((day) => day.date)).toEqual(['2026-10-05', '2026-10-06', '2026-10-08', '2026-10-09']);
    expect(occupancy.closedDates).toEqual(['2026-10-07']);
  });

  it('rates 0 over 0 open minutes when every day is closed', () => {
    const occupancy = establishmentOccupancy({ ...WEEK, from: '2026-10-05', to: '2026-10-05', rooms: [A101], closedDates: ['2026-10-05'] });
    expect(occupancy.rooms[0]).toMatchObject({ openMinutes: 0, busyMinutes: 0, rate: 0, byDay: [] });
    expect(occupancy.rooms[0].byHour).toHaveLength(10);
  });
});

describe('local hours across a change of time', () => {
  const allDaySunday = { start: '00:00', end: '24:00', weekdays: [7] };

  it('counts 25 hours on the day summer time ends, and the repeated 02:00 hour twice as long', () => {
    const room: RoomBusy = { id: 'r', code: 'R', busy: [{ start: new Date('2026-10-24T22:00:00Z'), end: new Date('2026-10-25T03:00:00Z') }] };
    const occupancy = establishmentOccupancy({ ...WEEK, from: '2026-10-25', to: '2026-10-25', rooms: [room], openingHours: allDaySunday });
    expect(occupancy.rooms[0]).toMatchObject({ openMinutes: 1500, busyMinutes: 300, rate: 0.2 });
    expect(occupancy.rooms[0].byHour).toHaveLength(24);
    expect(occupancy.rooms[0].byHour.slice(0, 5)).toEqual([
      { hour: '00:00', rate: 1 }, { hour: '01:00', rate: 1 }, { hour: '02:00', rate: 1 }, { hour: '03:00', rate: 1 }, { hour: '04:00', rate: 0 },
    ]);
    expect(occupancy.rooms[0].busy).toEqual([{ start: '2026-10-25T00:00:00+02:00', end: '2026-10-25T04:00:00+01:00' }]);
  });

  it('counts 23 hours on the day summer time starts, the missing 02:00 hour with nothing to rate', () => {
    const room: RoomBusy = { id: 'r', code: 'R', busy: [at('2026-03-29', '00:00', '12:00')] };
    const occupancy = establishmentOccupancy({ ...WEEK, from: '2026-03-29', to: '2026-03-29', rooms: [room], openingHours: allDaySunday });
    expect(occupancy.rooms[0]).toMatchObject({ openMinutes: 1380, busyMinutes: 660, rate: 0.4783 });
    expect(occupancy.rooms[0].byHour[2]).toEqual({ hour: '02:00', rate: 0 });
    expect(occupancy.rooms[0].byHour[3]).toEqual({ hour: '03:00', rate: 1 });
  });

  it('keeps 08:00 local on both sides of the change', () => {
    const room: RoomBusy = { id: 'r', code: 'R', busy: [at('2026-10-23', '08:00', '09:00'), at('2026-10-26', '08:00', '09:00')] };
    const occupancy = establishmentOccupancy({ ...WEEK, from: '2026-10-23', to: '2026-10-26', rooms: [room] });
    expect(room.busy.map((interval) => interval.start.toISOString())).toEqual(['2026-10-23T06:00:00.000Z', '2026-10-26T07:00:00.000Z']);
    expect(occupancy.rooms[0].byHour[0]).toEqual({ hour: '08:00', rate: 1 });
    expect(occupancy.rooms[0].byHour.slice(1).every((hour) => hour.rate === 0)).toBe(true);
  });
});

describe('opening hours and ranges', () => {
  it('cuts the first and last hours to opening hours that are not on the hour', () => {
    const room: RoomBusy = { id: 'r', code: 'R', busy: [at('2026-10-05', '08:00', '09:00')] };
    const occupancy = establishmentOccupancy({ ...WEEK, from: '2026-10-05', to: '2026-10-05', rooms: [room], openingHours: { start: '08:30', end: '10:15', weekdays: [1] } });
    expect(occupancy.rooms[0]).toMatchObject({ openMinutes: 105, busyMinutes: 30 });
    expect(occupancy.rooms[0].byHour).toEqual([{ hour: '08:00', rate: 1 }, { hour: '09:00', rate: 0 }, { hour: '10:00', rate: 0 }]);
  });

  it.each([
    [{ from: '2026-10-12', to: '2026-10-05' }, /after to/],
    [{ from: '2026-02-30' }, /Invalid day/],
    [{ from: '05/10/2026' }, /from must be an ISO date/],
    [{ from: '2026-01-01', to: '2027-12-31' }, /at most 366/],
    [{ timeZone: 'Europe/Nowhere' }, /time zone/i],
    [{ openingHours: { start: '18:00', end: '08:00', weekdays: [1] } }, /openingHours.end/],
    [{ openingHours: { start: '8h', end: '18:00', weekdays: [1] } }, /openingHours.start must be HH:MM/],
    [{ openingHours: { start: '08:00', end: '18:00', weekdays: [0] } }, /weekdays/],
  ])('refuses %j with a RangeError naming it', (change, message) => {
    expect(() => establishmentOccupancy({ ...WEEK, rooms: [A101], ...change })).toThrow(message);
  });
});

describe('rates whatever the rooms', () => {
  it('stay in [0, 1] with 4 decimals, and buildings and the establishment add up their rooms minutes', () => {
    const start = Date.parse('2026-10-04T20:00:00Z');
    const interval = fc.tuple(fc.integer({ min: 0, max: 8 * 86_400_000 }), fc.integer({ min: 1, max: 12 * 3_600_000 }))
      .map(([offset, length]) => ({ start: new Date(start + offset), end: new Date(start + offset + length) }));
    const room = fc.record({ id: fc.uuid(), code: fc.string(), building: fc.constantFrom('A', 'B', undefined), busy: fc.array(interval, { maxLength: 8 }) });
    fc.assert(fc.property(fc.array(room, { maxLength: 4 }), fc.subarray(['2026-10-06', '2026-10-07']), (rooms, closedDates) => {
      const occupancy = establishmentOccupancy({ ...WEEK, rooms, closedDates });
      const all = [occupancy, ...occupancy.rooms, ...occupancy.buildings];
      const rates = all.flatMap((rates) => [rates.rate, ...rates.byDay.map((day) => day.rate), ...rates.byHour.map((hour) => hour.rate)]);
      for (const rate of rates) {
        expect(rate).toBeGreaterThanOrEqual(0);
        expect(rate).toBeLessThanOrEqual(1);
        expect(Math.round(rate * 10_000)).toBeCloseTo(rate * 10_000, 6);
      }
      const sum = (list: { busyMinutes: number }[]) => list.reduce((total, item) => total + item.busyMinutes, 0);
      expect(Math.abs(sum(occupancy.buildings) - occupancy.busyMinutes)).toBeLessThanOrEqual(occupancy.buildings.length);
      expect(Math.abs(sum(occupancy.rooms) - occupancy.busyMinutes)).toBeLessThanOrEqual(occupancy.rooms.length);
      expect(occupancy.openMinutes).toBe(rooms.length * (5 - closedDates.length) * 600);
    }), { numRuns: 80 });
  });
});
