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

export function queryDate(req: Request, name: string): Date | undefined {
  const value = queryString(req, name);
  return value === undefined ? undefined : new Date(value);
}
