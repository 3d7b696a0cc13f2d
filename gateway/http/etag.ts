// Entity tags for conditional GETs: computed from what the response shows, so a 304 is only ever sent
// when the client's copy is still exactly right.
import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';

export function etagOf(parts: unknown): string {
  return `"${createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 27)}"`;
}

/** Sets the ETag; answers 304 and returns true when the request's If-None-Match already has it. */
export function notModified(req: Request, res: Response, etag: string): boolean {
  res.setHeader('ETag', etag);
  const header = req.headers['if-none-match'];
  if (!header) return false;
  const tags = header.split(',').map((t) => t.trim().replace(/^W\//, ''));
  if (tags.includes('*') || tags.includes(etag)) {
    res.status(304).end();
    return true;
  }
  return false;
}

/** The tag of one stored record: its version changes whenever the gateway rewrites it. */
export function recordEtag(row: { id: string; seq: string }): string {
  return etagOf([row.id, row.seq]);
}
