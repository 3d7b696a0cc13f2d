// Cursor pagination: opaque cursors and the `next` link, given in the body and in `Link`. A cursor is base64url
// JSON and an HMAC-SHA256 of it, keyed by the store's cursor key (every replica shares it): a position a client
// writes itself (an old perimeter's, another listing's) is refused, never served.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import { ValidationProblem } from '../errors/problems.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Locals {
      /** On `app.locals`: the key cursors are signed with (gateway/auth/keys.ts, `loadCursorKey`). */
      cursorKey?: Buffer;
    }
  }
}

/** 128 bits of the HMAC: enough against forgery, and cursors stay short in URLs. */
const TAG_BYTES = 16;

function tagOf(req: Request, payload: string): Buffer {
  const key = req.app.locals.cursorKey;
  if (!key) throw new Error('cursors need app.locals.cursorKey');
  return createHmac('sha256', key).update(payload).digest().subarray(0, TAG_BYTES);
}

export { KEY_SHAPES } from '../model/identifiers.js';

export function encodeCursor(req: Request, state: Record<string, unknown>): string {
  const payload = Buffer.from(JSON.stringify(state)).toString('base64url');
  return `${payload}.${tagOf(req, payload).toString('base64url')}`;
}

/** Decodes a cursor this API issued, signature first; anything else (forged, altered, foreign) is a 400 naming the parameter. */
export function decodeCursor<T extends Record<string, unknown>>(
  req: Request,
  text: string,
  parameter: string,
  isValid: (value: Record<string, unknown>) => value is T,
): T {
  let value: unknown;
  const [payload, tag, extra] = text.split('.');
  const given = tag === undefined ? undefined : Buffer.from(tag, 'base64url');
  if (extra === undefined && given?.length === TAG_BYTES && timingSafeEqual(given, tagOf(req, payload))) {
    try {
      value = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      value = undefined;
    }
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
