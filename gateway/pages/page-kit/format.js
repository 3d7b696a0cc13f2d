// Dates, times and numbers as a French reader expects them. Dates are ISO `YYYY-MM-DD` strings and are
// computed in UTC, so the browser's own time zone never shifts a day; times are read from the API's RFC 3339
// strings, whose wall-clock part is already the establishment's local time.

const DAY_MS = 86_400_000;

const dayFormat = new Intl.DateTimeFormat('fr-FR', { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' });
const longDayFormat = new Intl.DateTimeFormat('fr-FR', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
const integerFormat = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 0 });

function utcOf(isoDate) {
  const [year, month, day] = isoDate.split('-').map(Number);
  return Date.UTC(year, month - 1, day);
}

const isoOf = (ms) => new Date(ms).toISOString().slice(0, 10);

export function isIsoDate(text) {
  return /^\d{4}-\d{2}-\d{2}$/.test(text) && isoOf(utcOf(text)) === text;
}

export function addDays(isoDate, days) {
  return isoOf(utcOf(isoDate) + days * DAY_MS);
}

/** 1 = Monday … 7 = Sunday (ISO 8601). */
export function isoWeekday(isoDate) {
  return ((new Date(utcOf(isoDate)).getUTCDay() + 6) % 7) + 1;
}

export function mondayOf(isoDate) {
  return addDays(isoDate, 1 - isoWeekday(isoDate));
}

/** Today in the browser's own calendar (the person choosing a week sits in it). */
export function today() {
  const now = new Date();
  return isoOf(Date.UTC(now.getFullYear(), now.getMonth(), now.getDate()));
}

/** `lundi 16 novembre` */
export const dayLabel = (isoDate) => dayFormat.format(utcOf(isoDate));
/** `lundi 16 novembre 2026` */
export const longDayLabel = (isoDate) => longDayFormat.format(utcOf(isoDate));

/** `2026-11-16T08:30:00+01:00` → the wall-clock instant as if it were UTC, in ms: comparable with `wallClockOf`. */
export function wallClock(rfc3339) {
  const [date, time] = [rfc3339.slice(0, 10), rfc3339.slice(11, 19)];
  const [hours, minutes, seconds] = time.split(':').map(Number);
  return utcOf(date) + ((hours * 60 + minutes) * 60 + (seconds || 0)) * 1000;
}

/** A local date and an hour of it on the same scale as `wallClock`. */
export function wallClockOf(isoDate, hour) {
  return utcOf(isoDate) + hour * 3_600_000;
}

/** `07:00` */
export const localTime = (rfc3339) => rfc3339.slice(11, 16);
export const localDate = (rfc3339) => rfc3339.slice(0, 10);

/** A share in [0, 1] as a whole percentage (what the text says and the colour shows). */
export const percentOf = (share) => Math.round(Math.min(Math.max(share, 0), 1) * 100);
/** `42 %`, with the narrow no-break space French typography puts before `%`. */
export const percentText = (share) => `${percentOf(share)}\u202f%`;

export const integerText = (n) => integerFormat.format(n);
