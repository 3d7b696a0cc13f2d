import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { heatingPlan } from '../../gateway/occupancy/heating.js';
import { heatingIcal } from '../../gateway/ical/heating.js';
import { occurrencesIcal } from '../../gateway/ical/occurrences.js';
import type { RoomBusy } from '../../gateway/occupancy/model.js';
import { at, PARIS } from './fixtures.js';

const STAMP = new Date('2026-10-01T12:00:00Z');

/** The document's events as ical.js reads them, with its VTIMEZONEs registered. */
function parsed(text: string) {
  const calendar = new ICAL.Component(ICAL.parse(text));
  const timezones = calendar.getAllSubcomponents('vtimezone');
  for (const timezone of timezones) ICAL.TimezoneService.register(timezone);
  const events = calendar.getAllSubcomponents('vevent').map((component) => {
    const event = new ICAL.Event(component);
    return {
      uid: event.uid,
      summary: event.summary,
      status: component.getFirstPropertyValue('status'),
      location: event.location,
      tzid: event.startDate.zone?.tzid,
      localStart: event.startDate.toString(),
      localEnd: event.endDate.toString(),
      start: event.startDate.toJSDate().toISOString(),
      stamp: component.getFirstProperty('dtstamp')?.toICALString(),
    };
  });
  return { calendar, timezones: timezones.map((timezone) => timezone.getFirstPropertyValue('tzid')), events };
}

describe('a heating plan as iCalendar', () => {
  // Friday before and Monday after the end of summer time (Sunday 2026-10-25).
  const room: RoomBusy = { id: 'r', code: 'A101', building: 'Bâtiment A', busy: [at('2026-10-23', '08:00', '09:00'), at('2026-10-26', '08:00', '09:00')] };
  const plan = heatingPlan({ uai: '0691234A', timeZone: PARIS, from: '2026-10-23', to: '2026-10-26', rooms: [room] });
  const text = heatingIcal(plan, STAMP);
  const { calendar, timezones, events } = parsed(text);

  it('is a calendar with a PRODID, a VERSION and a VTIMEZONE for Europe/Paris', () => {
    expect(calendar.getFirstPropertyValue('prodid')).toBe('-//Passerelle//chauffage//FR');
    expect(calendar.getFirstPropertyValue('version')).toBe('2.0');
    expect(timezones).toEqual([PARIS]);
    expect(text).toMatch(/^BEGIN:VCALENDAR\r\n[^]*\r\nEND:VCALENDAR\r\n$/);
    expect(text.slice(text.lastIndexOf('END:VEVENT'))).toBe('END:VEVENT\r\nEND:VCALENDAR\r\n');
    expect(text.split('\r\n').every((line) => Buffer.byteLength(line) <= 75)).toBe(true);
  });

  it('has one event per comfort period at the right local times on both sides of the change', () => {
    expect(events.map(({ summary, location, tzid, localStart, localEnd, start }) => ({ summary, location, tzid, localStart, localEnd, start }))).toEqual([
      { summary: 'Confort – Bâtiment A', location: 'Bâtiment A', tzid: PARIS, localStart: '2026-10-23T07:00:00', localEnd: '2026-10-23T09:00:00', start: '2026-10-23T05:00:00.000Z' },
      { summary: 'Confort – Bâtiment A', location: 'Bâtiment A', tzid: PARIS, localStart: '2026-10-26T07:00:00', localEnd: '2026-10-26T09:00:00', start: '2026-10-26T06:00:00.000Z' },
    ]);
  });

  it('gives each event its own stable UID and a DTSTAMP in UTC', () => {
    expect(new Set(events.map((event) => event.uid)).size).toBe(2);
    expect(events[0].uid).toBe('chauffage-0691234A-B%C3%A2timent%20A-2026-10-23T05:00:00.000Z@passerelle');
    expect(heatingIcal(plan, STAMP)).toBe(text);
    expect(text).toContain('DTSTAMP:20261001T120000Z\r\n');
    expect(text).toContain('DTSTART;TZID=Europe/Paris:20261026T070000\r\n');
  });

  it('names the VTIMEZONE of a linked zone as the events do (Indian/Reunion, not Asia/Dubai)', () => {
    const reunion = heatingPlan({ uai: '9741234A', timeZone: 'Indian/Reunion', from: '2026-10-23', to: '2026-10-23', rooms: [room] });
    const { timezones: names, events: reunionEvents } = parsed(heatingIcal(reunion, STAMP));
    expect(names).toEqual(['Indian/Reunion']);
    expect(reunionEvents[0]).toMatchObject({ tzid: 'Indian/Reunion', start: '2026-10-23T05:00:00.000Z', localStart: '2026-10-23T09:00:00' });
  });
});

describe('occurrences as iCalendar', () => {
  const text = occurrencesIcal({
    name: '3e B',
    timeZone: PARIS,
    stamp: STAMP,
    occurrences: [
      { id: 'occ-1', ...times(at('2026-10-23', '08:00', '09:00')), status: 'scheduled', summary: 'Mathématiques', location: 'A101' },
      { id: 'occ-2', ...times(at('2026-10-26', '08:00', '09:00')), status: 'cancelled', summary: 'Histoire, géographie; EMC', description: 'Sortie' },
    ],
  });
  const { calendar, events } = parsed(text);

  it('writes each session with its occurrence id as UID and its local times', () => {
    expect(calendar.getFirstPropertyValue('x-wr-calname')).toBe('3e B');
    expect(events[0]).toMatchObject({ uid: 'occ-1@passerelle', summary: 'Mathématiques', status: 'CONFIRMED', location: 'A101', localStart: '2026-10-23T08:00:00', start: '2026-10-23T06:00:00.000Z' });
  });

  it('keeps a cancelled session, marked CANCELLED and "Annulé : " in its summary', () => {
    expect(events[1]).toMatchObject({ uid: 'occ-2@passerelle', summary: 'Annulé : Histoire, géographie; EMC', status: 'CANCELLED', localStart: '2026-10-26T08:00:00', start: '2026-10-26T07:00:00.000Z' });
    expect(text).toContain('SUMMARY:Annulé : Histoire\\, géographie\\; EMC\r\n');
  });

  it('refuses a zone it has no VTIMEZONE for', () => {
    expect(() => occurrencesIcal({ name: 'x', timeZone: 'Mars/Olympus', occurrences: [] })).toThrow(/no VTIMEZONE/);
  });
});

function times(interval: { start: Date; end: Date }) {
  return { startsAt: interval.start, endsAt: interval.end };
}
