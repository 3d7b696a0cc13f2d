// The rooms × hours heat map: for each room and each hour of the opening hours, the share of that hour during
// which the room is busy, read from the occupancy feed's merged busy intervals. Each cell says its share as
// text and shows it as a colour band (heat-0 … heat-5), so that colour is never the only carrier.
import { el, fillTable, hidden } from '../page-kit/dom.js';
import { addDays, dayLabel, isoWeekday, longDayLabel, percentOf, percentText, wallClock, wallClockOf } from '../page-kit/format.js';

/** The day selector's value for the mean over the open days of the week. */
export const WHOLE_WEEK = 'semaine';

const HOUR_MS = 3_600_000;

/** The hours whose columns the map has: from the opening hour to the last hour begun before closing. */
function hoursOf(openingHours) {
  const hourOf = (text, fallback) => (/^\d{2}:\d{2}$/.test(text ?? '') ? Number(text.slice(0, 2)) + Number(text.slice(3)) / 60 : fallback);
  const first = Math.floor(hourOf(openingHours?.start, 8));
  const end = Math.ceil(hourOf(openingHours?.end, 18));
  return Array.from({ length: Math.max(end - first, 0) }, (_, i) => first + i);
}

/** The days of the range on which the establishment opens by its weekdays, each saying whether it is closed. */
function daysOf(occupancy) {
  const weekdays = new Set(occupancy.openingHours?.weekdays ?? [1, 2, 3, 4, 5]);
  const closed = new Set(occupancy.closedDates ?? []);
  const days = [];
  for (let date = occupancy.from; date <= occupancy.to; date = addDays(date, 1)) {
    if (weekdays.has(isoWeekday(date))) days.push({ date, closed: closed.has(date) });
  }
  return days;
}

/** The share in [0, 1] of the hour starting at `hour` on `date` during which the room is busy. */
function busyShare(room, date, hour) {
  const start = wallClockOf(date, hour);
  const end = start + HOUR_MS;
  // The feed merges each room's intervals: no overlap, so the overlaps add up.
  let busy = 0;
  for (const interval of room.busy) busy += Math.max(0, Math.min(end, wallClock(interval.end)) - Math.max(start, wallClock(interval.start)));
  return busy / HOUR_MS;
}

/** 0, 1–25, 26–50, 51–75, 76–99 and 100 %, from the rounded percentage the cell shows. */
export function heatClass(share) {
  const percent = percentOf(share);
  if (percent === 0) return 'heat-0';
  if (percent === 100) return 'heat-5';
  return `heat-${Math.min(Math.ceil(percent / 25), 4)}`;
}

const pad = (hour) => String(hour).padStart(2, '0');

function roomHeader(room) {
  const detail = [room.name, room.building ? `bâtiment ${room.building}` : null].filter(Boolean).join(', ');
  return el('th', { scope: 'row' }, el('span', { class: 'room-code' }, room.code), detail ? el('span', { class: 'room-detail' }, detail) : null);
}

function hourHeader(hour) {
  return [`${pad(hour)} h`, hidden(` à ${pad(hour + 1)} h`)];
}

/** Fills `table` for one day (an ISO date) or for the mean of the week's open days (WHOLE_WEEK). */
export function renderHeatMap(table, occupancy, selection) {
  const hours = hoursOf(occupancy.openingHours);
  const openDates = daysOf(occupancy).filter((day) => !day.closed).map((day) => day.date);
  const dates = selection === WHOLE_WEEK ? openDates : [selection];
  const caption = selection === WHOLE_WEEK
    ? `Occupation moyenne des jours ouverts de la semaine (${openDates.length} jours), par salle et par heure`
    : `Occupation le ${longDayLabel(selection)}, par salle et par heure`;
  const rooms = [...occupancy.rooms].sort(byBuildingThenCode);
  const rows = rooms.map((room) => el('tr', {}, roomHeader(room), hours.map((hour) => {
    const share = dates.length ? dates.reduce((sum, date) => sum + busyShare(room, date, hour), 0) / dates.length : 0;
    return el('td', { class: `heat ${heatClass(share)}`, dataset: { room: room.code, hour: `${pad(hour)}:00` } }, percentText(share));
  })));
  fillTable(table, caption, ['Salle', ...hours.map(hourHeader)], rows);
}

/** The day selector's options: each opening day of the week (closed ones said so), then the whole week. */
export function dayOptions(occupancy) {
  const days = daysOf(occupancy);
  const options = days.map((day) => el('option', { value: day.date }, `${dayLabel(day.date)}${day.closed ? ' (fermé)' : ''}`));
  options.push(el('option', { value: WHOLE_WEEK }, 'Toute la semaine (moyenne des jours ouverts)'));
  const firstOpen = days.find((day) => !day.closed)?.date ?? WHOLE_WEEK;
  return { options, initial: firstOpen };
}

export function isClosedDay(occupancy, selection) {
  return selection !== WHOLE_WEEK && (occupancy.closedDates ?? []).includes(selection);
}

export function byBuildingThenCode(a, b) {
  return (a.building ?? '\uffff').localeCompare(b.building ?? '\uffff', 'fr') || a.code.localeCompare(b.code, 'fr', { numeric: true });
}
