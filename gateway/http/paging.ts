// Cursor pagination: opaque cursors (base64url JSON) and the `next` link, given in the body and in `Link`.
import type { Request, Response } from 'express';
import { ValidationProblem } from './problem.js';

/** The keys listings and the change feed page by: record ids and the UAIs of establishments. */
export const KEY_SHAPES = {
  id: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
  uai: /^[0-9]{7}[A-Z]$/,
} as const;

export function encodeCursor(state: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(state)).toString('base64url');
}

/** Decodes a cursor this API issued; anything else is a 400 naming the parameter. */
export function decodeCursor<T extends Record<string, unknown>>(
  text: string,
  parameter: string,
  isValid: (value: Record<string, unknown>) => value is T,
): T {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  if (value === null || typeof value !== 'object' || !isValid(value as Record<string, unknown>)) {
    const pointer = `/query/${parameter}`;
    throw new ValidationProblem(`${pointer} must be a cursor returned by this API, passed back unchanged`, [
      { pointer, detail: 'must be a cursor returned by this API, passed back unchanged' },
    ]);
  }
  return value as T;
}

/** The absolute URL of this request, as reached through the public URL, with some query parameters replaced. */
export function selfUrl(req: Request, publicUrl: string, replace: Record<string, string>): string {
  const url = new URL(publicUrl + req.originalUrl);
  for (const [name, value] of Object.entries(replace)) url.searchParams.set(name, value);
  return url.toString();
}

export function setNextLink(res: Response, next: string | null): void {
  if (next) res.append('Link', `<${next}>; rel="next"`);
}
