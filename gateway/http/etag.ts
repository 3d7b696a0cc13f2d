// Entity tags for conditional GETs: computed from what the response shows, so a 304 is only ever sent
// when the client's copy is still exactly right.
import { createHash, type Hash } from 'node:crypto';
import type { Request, Response } from 'express';

const tagOf = (hash: Hash) => `"${hash.digest('base64url').slice(0, 27)}"`;

export function etagOf(parts: unknown): string {
  return tagOf(createHash('sha256').update(JSON.stringify(parts)));
}

/**
 * The tag of a listing's page: `head` (what was asked, and how the page ends) and each row's key and version. The
 * rows go to the hash as one text, not as a JSON document of pairs: a page read spent as much building that
 * document as hashing it. Keys (ids, UAIs) and versions (digits) hold neither space nor comma, and JSON no line
 * break, so the text still tells every page apart.
 */
export function pageEtag(head: unknown, rows: readonly { key: string; seq: string }[]): string {
  let versions = '';
  for (const row of rows) versions += `${row.key} ${row.seq},`;
  return tagOf(createHash('sha256').update(JSON.stringify(head)).update('\n').update(versions));
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
