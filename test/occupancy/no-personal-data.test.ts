// Whatever rooms come in, occupancy and heating write nothing but rooms' and buildings' ids, codes and names,
// and times and numbers: not a field of a wider record passed as a room, not a name a room does not carry.
import fc from 'fast-check';
import { parse } from 'csv-parse/sync';
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { heatingCsv, occupancyCsv } from '../../gateway/occupancy/csv.js';
import { heatingPlan } from '../../gateway/occupancy/heating.js';
import { establishmentOccupancy } from '../../gateway/occupancy/rates.js';
import { heatingIcal } from '../../gateway/ical/heating.js';
import type { RoomBusy } from '../../gateway/occupancy/model.js';
import { PARIS } from './fixtures.js';

const PERSON = 'Dupont';
const WEEK_START = Date.parse('2026-10-04T22:00:00Z');
const WEEK_MS = 7 * 24 * 3_600_000;
const SETTINGS_KEYS = new Set(['leadMinutes', 'lagMinutes', 'bridgeMinutes']);
/** Times, dates and hours the feeds write; everything else must be a room's or a building's. */
const TIME_LIKE = /^(\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{2}:\d{2})?|\d{2}:\d{2})$/;

const label = fc.string({ minLength: 1, maxLength: 12 }).filter((text) => !text.includes(PERSON));
const interval = fc.tuple(fc.integer({ min: 0, max: WEEK_MS }), fc.integer({ min: 1, max: 6 * 3_600_000 }))
  .map(([offset, length]) => ({ start: new Date(WEEK_START + offset), end: new Date(WEEK_START + offset + length) }));
const room = fc.record({
  id: label, code: label, name: fc.option(label, { nil: undefined }), building: fc.option(label, { nil: undefined }),
  capacity: fc.option(fc.nat(60), { nil: undefined }), heatingZone: fc.option(label, { nil: undefined }),
  busy: fc.array(interval, { maxLength: 6 }),
});

/** Every string value in a JSON-like output, with the key it sits under. */
function strings(value: unknown, key = ''): { key: string; text: string }[] {
  if (typeof value === 'string') return [{ key, text: value }];
  if (Array.isArray(value)) return value.flatMap((item) => strings(item, key));
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([k, v]) => strings(v, k));
  return [];
}

describe('occupancy and heating carry no personal data', () => {
  it('writes only rooms, buildings, zones and times, whatever the rooms', () => {
    fc.assert(fc.property(fc.array(room, { maxLength: 5 }), fc.array(label, { maxLength: 2 }), (generated, zoneNames) => {
      // Each room arrives as a wider record, as a careless query might give it.
      const rooms = generated.map((r) => ({ ...r, teacher: `Mme ${PERSON}`, groups: [`3e B ${PERSON}`] })) as RoomBusy[];
      const zones = zoneNames.map((name, index) => ({ name, roomCodes: generated.filter((_, i) => i % 2 === index).map((r) => r.code) }));
      const base = { uai: '0691234A', timeZone: PARIS, from: '2026-10-05', to: '2026-10-11' };
      const occupancy = establishmentOccupancy({ ...base, rooms });
      const plan = heatingPlan({ ...base, rooms, zones });
      const allowed = new Set([
        ...generated.flatMap((r) => [r.id, r.code, r.name, r.building, r.heatingZone]), ...zoneNames, 'sans-batiment', ...Object.values(base),
      ]);

      for (const { key, text } of [...strings(occupancy), ...strings(plan)]) {
        if (!allowed.has(text)) expect(`${key}: ${text}`).toMatch(new RegExp(`^\\w+: ${TIME_LIKE.source.slice(1)}`));
      }
      expect(Object.keys(plan.settings).every((key) => SETTINGS_KEYS.has(key))).toBe(true);

      const cells = [occupancyCsv([occupancy]), heatingCsv([plan])]
        .flatMap((text) => (parse(text, { bom: true, delimiter: ';', relax_column_count: false }) as string[][]).slice(1).flat());
      for (const cell of cells) {
        const text = cell.startsWith("'") ? cell.slice(1) : cell; // a defused formula
        if (!allowed.has(text) && !allowed.has(cell)) expect(cell).toMatch(new RegExp(`^$|^\\d+(,\\d{4})?$|${TIME_LIKE.source}`));
      }

      const calendar = new ICAL.Component(ICAL.parse(heatingIcal(plan, new Date(0))));
      for (const event of calendar.getAllSubcomponents('vevent')) {
        const summary = String(event.getFirstPropertyValue('summary'));
        expect(allowed.has(summary.replace(/^Confort – /, ''))).toBe(true);
        const location = event.getFirstPropertyValue('location');
        if (location !== null) expect(allowed.has(String(location))).toBe(true);
      }
      expect(JSON.stringify([occupancy, plan]) + occupancyCsv([occupancy]) + heatingCsv([plan]) + heatingIcal(plan)).not.toContain(PERSON);
    }), { numRuns: 60 });
  });
});
