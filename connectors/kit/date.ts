// Dates as French exports write them.

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** `12/03/1975` or `1975-03-12` → `1975-03-12`; undefined when the text is neither, or not a day of the calendar. */
export function isoDate(text: string): string | undefined {
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const french = iso ? null : /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(text);
  const [year, month, day] = iso ? [iso[1], iso[2], iso[3]] : french ? [french[3], french[2], french[1]] : [];
  if (!year) return undefined;
  const [y, m, d] = [Number(year), Number(month), Number(day)];
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  const last = m === 2 && leap ? 29 : DAYS_IN_MONTH[m - 1];
  return last !== undefined && d >= 1 && d <= last ? `${year}-${month}-${day}` : undefined;
}
