import { describe, expect, it } from 'vitest';
import { heatingPlan } from '../../gateway/occupancy/heating.js';
import { roomsBusy } from '../../gateway/occupancy/room-busy.js';
import type { RoomBusy } from '../../gateway/occupancy/model.js';
import { at, PARIS } from './fixtures.js';

const MON = '2026-10-05';
const TUE = '2026-10-06';
const DAY = { uai: '0691234A', timeZone: PARIS, from: MON, to: MON };
const A101: RoomBusy = { id: 'r-a101', code: 'A101', building: 'Bâtiment A', busy: [at(MON, '08:00', '10:00'), at(MON, '13:00', '15:00')] };
const A102: RoomBusy = { id: 'r-a102', code: 'A102', building: 'Bâtiment A', busy: [at(MON, '10:00', '11:00'), at(MON, '15:30', '16:30')] };
const GYM: RoomBusy = { id: 'r-gym', code: 'GYM', busy: [at(MON, '09:00', '10:00')] };

const local = (date: string, time: string) => `${date}T${time}:00+02:00`;
const period = (date: string, start: string, end: string) => ({ start: local(date, start), end: local(date, end) });

describe('comfort periods', () => {
  it('starts an hour before the zone is first busy and bridges gaps under 90 minutes by default', () => {
    // Busy 08–11, 13–15, 15:30–16:30; an hour's lead gives 07–11, 12–16:30; the 60-minute gap is bridged.
    const plan = heatingPlan({ ...DAY, rooms: [A101, A102] });
    expect(plan.settings).toEqual({ leadMinutes: 60, lagMinutes: 0, bridgeMinutes: 90 });
    expect(plan.zones).toEqual([{
      zone: 'Bâtiment A', building: 'Bâtiment A', roomIds: ['r-a101', 'r-a102'],
      comfort: [period(MON, '07:00', '16:30')],
      setback: [{ start: local(MON, '00:00'), end: local(MON, '07:00') }, { start: local(MON, '16:30'), end: '2026-10-06T00:00:00+02:00' }],
    }]);
  });

  it('applies lead and lag, and keeps apart periods whose gap is not shorter than the bridge', () => {
    // Lead 30, lag 15: 07:30–11:15 and 12:30–16:45, a 75-minute gap.
    const settings = { leadMinutes: 30, lagMinutes: 15 };
    expect(heatingPlan({ ...DAY, rooms: [A101, A102], settings: { ...settings, bridgeMinutes: 75 } }).zones[0].comfort)
      .toEqual([period(MON, '07:30', '11:15'), period(MON, '12:30', '16:45')]);
    expect(heatingPlan({ ...DAY, rooms: [A101, A102], settings: { ...settings, bridgeMinutes: 76 } }).zones[0].comfort)
      .toEqual([period(MON, '07:30', '16:45')]);
    const plan = heatingPlan({ ...DAY, rooms: [A101, A102], settings: { ...settings, bridgeMinutes: 0 } });
    expect(plan.zones[0].setback).toEqual([period(MON, '00:00', '07:30'), period(MON, '11:15', '12:30'), { start: local(MON, '16:45'), end: local(TUE, '00:00') }]);
  });

  it('never crosses local midnight: lead, lag and bridge stop at the day boundary', () => {
    const late: RoomBusy = { id: 'r', code: 'R', busy: [at(MON, '22:30', '23:30'), at(TUE, '00:30', '01:00')] };
    const plan = heatingPlan({ ...DAY, to: TUE, rooms: [late], settings: { lagMinutes: 60, bridgeMinutes: 180 } });
    expect(plan.zones[0].comfort).toEqual([{ start: local(MON, '21:30'), end: local(TUE, '00:00') }, period(TUE, '00:00', '02:00')]);
  });

  it('has no comfort on closed dates, even when a room is booked', () => {
    const rooms: RoomBusy[] = [{ ...A101, busy: [at(MON, '08:00', '10:00'), at(TUE, '08:00', '10:00')] }];
    const plan = heatingPlan({ ...DAY, to: '2026-10-07', rooms, closedDates: [TUE] });
    expect(plan.zones[0].comfort).toEqual([period(MON, '07:00', '10:00')]);
    expect(plan.zones[0].setback).toEqual([period(MON, '00:00', '07:00'), { start: local(MON, '10:00'), end: '2026-10-08T00:00:00+02:00' }]);
  });

  it('shortens the morning when its 8 a.m. lesson is cancelled', () => {
    const occurrences = [
      { roomIds: ['r-a101'], startsAt: at(MON, '08:00', '09:00').start, endsAt: at(MON, '08:00', '09:00').end, status: 'scheduled' as const },
      { roomIds: ['r-a101'], startsAt: at(MON, '09:00', '10:00').start, endsAt: at(MON, '09:00', '10:00').end, status: 'scheduled' as const },
    ];
    const room = { id: 'r-a101', code: 'A101', building: 'Bâtiment A' };
    expect(heatingPlan({ ...DAY, rooms: roomsBusy([room], occurrences) }).zones[0].comfort).toEqual([period(MON, '07:00', '10:00')]);
    occurrences[0] = { ...occurrences[0], status: 'cancelled' as never };
    expect(heatingPlan({ ...DAY, rooms: roomsBusy([room], occurrences) }).zones[0].comfort).toEqual([period(MON, '08:00', '10:00')]);
  });

  it('writes instants with the offset of their day across the change of time', () => {
    const room: RoomBusy = { id: 'r', code: 'R', busy: [at('2026-10-23', '08:00', '09:00'), at('2026-10-26', '08:00', '09:00')] };
    const plan = heatingPlan({ ...DAY, from: '2026-10-23', to: '2026-10-26', rooms: [room] });
    expect(plan.zones[0].comfort).toEqual([
      { start: '2026-10-23T07:00:00+02:00', end: '2026-10-23T09:00:00+02:00' },
      { start: '2026-10-26T07:00:00+01:00', end: '2026-10-26T09:00:00+01:00' },
    ]);
  });
});

describe('zones', () => {
  it('makes one zone per building, the rooms with none together in sans-batiment, last', () => {
    const plan = heatingPlan({ ...DAY, rooms: [GYM, A102, A101] });
    expect(plan.zones.map(({ zone, building, roomIds }) => ({ zone, building, roomIds }))).toEqual([
      { zone: 'Bâtiment A', building: 'Bâtiment A', roomIds: ['r-a102', 'r-a101'] },
      { zone: 'sans-batiment', building: null, roomIds: ['r-gym'] },
    ]);
    expect(plan.zones[1].comfort).toEqual([period(MON, '08:00', '10:00')]);
  });

  it('takes configured zones by room code first, then a room own zone, then its building', () => {
    const plan = heatingPlan({
      ...DAY,
      rooms: [A101, A102, GYM, { id: 'r-lab', code: 'LAB', building: 'Bâtiment A', heatingZone: 'Labos', busy: [] }],
      zones: [{ name: 'Aile nord', roomCodes: ['A101', 'GYM'] }, { name: 'Internat', roomCodes: ['I01'] }],
    });
    expect(plan.zones.map(({ zone, building, roomIds }) => ({ zone, building, roomIds }))).toEqual([
      { zone: 'Aile nord', building: null, roomIds: ['r-a101', 'r-gym'] },
      { zone: 'Internat', building: null, roomIds: [] },
      { zone: 'Bâtiment A', building: 'Bâtiment A', roomIds: ['r-a102'] },
      { zone: 'Labos', building: 'Bâtiment A', roomIds: ['r-lab'] },
    ]);
    expect(plan.zones[0].comfort).toEqual([period(MON, '07:00', '10:00'), period(MON, '12:00', '15:00')]);
    expect(plan.zones[1]).toMatchObject({ comfort: [], setback: [{ start: local(MON, '00:00'), end: local(TUE, '00:00') }] });
  });

  it.each([{ leadMinutes: -1 }, { lagMinutes: Number.NaN }, { bridgeMinutes: 100_000 }])('refuses the setting %j', (settings) => {
    expect(() => heatingPlan({ ...DAY, rooms: [A101], settings })).toThrow(RangeError);
  });
});
