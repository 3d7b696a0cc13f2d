// French public holidays (jours fériés) on which no school session runs: the national ones, Easter's (computed),
// the Friday after Ascension (the "pont de l'Ascension", a day without school every year), and the local ones of
// Alsace-Moselle and of the overseas départements (the abolition of slavery).
import { dayNumber, isoDate } from './days.js';

export interface PublicHoliday {
  date: string;
  name: string;
}

export interface PublicHolidayOptions {
  /** The establishment's département, 3 characters (`075`, `02A`, `971`): adds its local holidays. */
  departementCode?: string;
}

const NATIONAL_FIXED: readonly [month: number, day: number, name: string][] = [
  [1, 1, "Jour de l'an"],
  [5, 1, 'Fête du Travail'],
  [5, 8, 'Victoire 1945'],
  [7, 14, 'Fête nationale'],
  [8, 15, 'Assomption'],
  [11, 1, 'Toussaint'],
  [11, 11, 'Armistice 1918'],
  [12, 25, 'Noël'],
];

/** Days after Easter Sunday, with their names (Good Friday is Alsace-Moselle's only). */
const NATIONAL_FROM_EASTER: readonly [offset: number, name: string][] = [
  [1, 'Lundi de Pâques'],
  [39, 'Ascension'],
  [40, "Pont de l'Ascension"],
  [50, 'Lundi de Pentecôte'],
];

const ALSACE_MOSELLE = new Set(['057', '067', '068']);

/** Law 83-550 and its decrees: the day each overseas département commemorates the abolition of slavery. */
const ABOLITION_OF_SLAVERY: Readonly<Record<string, [month: number, day: number]>> = {
  '971': [5, 27],
  '972': [5, 22],
  '973': [6, 10],
  '974': [12, 20],
  '976': [4, 27],
};

/** Easter Sunday of a Gregorian year, as a day number (the anonymous Gregorian algorithm, Meeus/Jones/Butcher). */
export function easterSunday(year: number): number {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return Date.UTC(year, month - 1, day) / 86_400_000;
}

function holidaysOfYear(year: number, departementCode: string | undefined): { day: number; name: string }[] {
  const onDate = (month: number, day: number, name: string) => ({ day: Date.UTC(year, month - 1, day) / 86_400_000, name });
  const easter = easterSunday(year);
  const holidays = [
    ...NATIONAL_FIXED.map(([month, day, name]) => onDate(month, day, name)),
    ...NATIONAL_FROM_EASTER.map(([offset, name]) => ({ day: easter + offset, name })),
  ];
  if (departementCode && ALSACE_MOSELLE.has(departementCode)) {
    holidays.push({ day: easter - 2, name: 'Vendredi saint' }, onDate(12, 26, 'Saint-Étienne'));
  }
  const abolition = departementCode ? ABOLITION_OF_SLAVERY[departementCode] : undefined;
  if (abolition) holidays.push(onDate(abolition[0], abolition[1], "Abolition de l'esclavage"));
  return holidays;
}

/**
 * The public holidays from `fromDate` to `toDate` (inclusive ISO dates), by date then name. Two holidays on one
 * day (Ascension on 1 May) are both listed: each is a fact a calendar may show.
 */
export function publicHolidays(fromDate: string, toDate: string, options: PublicHolidayOptions = {}): PublicHoliday[] {
  const first = dayNumber(fromDate);
  const last = dayNumber(toDate);
  const holidays: { day: number; name: string }[] = [];
  for (let year = Number(fromDate.slice(0, 4)); year <= Number(toDate.slice(0, 4)); year += 1) {
    holidays.push(...holidaysOfYear(year, options.departementCode).filter(({ day }) => day >= first && day <= last));
  }
  holidays.sort((x, y) => x.day - y.day || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  return holidays.map(({ day, name }) => ({ date: isoDate(day), name }));
}
