// Reading query parameters that the OpenAPI validator has already checked (it may or may not have coerced them).
import type { Request } from 'express';

export function queryString(req: Request, name: string): string | undefined {
  const value = (req.query as Record<string, unknown>)[name];
  if (value === undefined || value === null || value === '') return undefined;
  return String(Array.isArray(value) ? value[0] : value);
}

export function queryInteger(req: Request, name: string, fallback: number): number {
  const value = queryString(req, name);
  return value === undefined ? fallback : Number(value);
}

export function queryFlag(req: Request, name: string): boolean {
  return queryString(req, name) === 'true';
}

/** An instant, or a day (`2026-09-01`) taken from its start in Paris, where the records' days are. */
export function queryDate(req: Request, name: string): Date | undefined {
  const value = queryString(req, name);
  if (value === undefined) return undefined;
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? startOfDayInParis(value) : new Date(value);
}

/** Midnight of a calendar day in Europe/Paris (UTC+1 in winter, UTC+2 in summer). */
export function startOfDayInParis(day: string): Date {
  const utcMidnight = new Date(`${day}T00:00:00Z`);
  const offset = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', timeZoneName: 'longOffset' })
    .formatToParts(utcMidnight).find((part) => part.type === 'timeZoneName')!.value; // "GMT+01:00"
  const [, sign, hours, minutes] = /GMT([+-])(\d{2}):(\d{2})/.exec(offset) ?? [, '+', '00', '00'];
  const shift = (Number(hours) * 60 + Number(minutes)) * (sign === '-' ? -1 : 1);
  return new Date(utcMidnight.getTime() - shift * 60_000);
}
