// The shape every listing answers with: a page of records, the next link (body and Link header), the
// change-feed cursor of the listing's snapshot, an optional total, and an ETag for conditional requests.
import type { Request, Response } from 'express';
import { decodeCursor, encodeCursor, KEY_SHAPES, selfUrl, setNextLink } from '../../http/paging.js';
import { notModified, pageEtag } from '../../http/etag.js';
import { queryDate, queryFlag, queryInteger, queryString } from '../../http/query.js';
import { changeCursorAt } from '../changes/cursor.js';
import type { ListedRow, Page, PageRequest } from '../../store/reads/records.js';

interface ListingCursor {
  /** The change-log position the first page was read at. */
  c: string;
  /** Key of the last row sent. */
  a: string;
}

function listingCursorOf(key: RegExp) {
  return (value: Record<string, unknown>): value is ListingCursor & Record<string, unknown> =>
    typeof value.c === 'string' && /^[0-9]{1,18}$/.test(value.c) && typeof value.a === 'string' && key.test(value.a);
}

/**
 * Reads the paging parameters; a first page has no position yet (it is read at the current one). A cursor whose
 * key has not the listing's shape (`key`) was not issued by it: 400.
 */
export function pageRequest(req: Request, key: keyof typeof KEY_SHAPES): PageRequest {
  const cursorText = queryString(req, 'cursor');
  const cursor = cursorText === undefined ? undefined : decodeCursor(req, cursorText, 'cursor', listingCursorOf(KEY_SHAPES[key]));
  return {
    limit: queryInteger(req, 'limit', 100),
    after: cursor?.a,
    asOf: cursor ? BigInt(cursor.c) : undefined,
    includeDeleted: queryFlag(req, 'includeDeleted'),
    updatedSince: queryDate(req, 'updatedSince'),
    withTotal: queryFlag(req, 'count'),
  };
}

export function sendPage(req: Request, res: Response, publicUrl: string, page: Page<ListedRow>): void {
  const last = page.rows[page.rows.length - 1];
  const next = page.hasMore && last
    ? selfUrl(req, publicUrl, { cursor: encodeCursor(req, { c: String(page.asOf), a: last.key }) })
    : null;
  // The tag covers what the page shows (which rows, in which version and rendering), not the moving feed position.
  const etag = pageEtag([req.path, req.query, page.rendering, page.hasMore, page.total], page.rows);
  if (page.total !== undefined) res.setHeader('X-Total-Count', String(page.total));
  setNextLink(res, next);
  if (notModified(req, res, etag)) return;
  // The records arrive as JSON text from the store and go out as they are.
  res.type('application/json').send(
    `{"data":[${page.rows.map((r) => r.record).join(',')}],"next":${JSON.stringify(next)},"changeCursor":${JSON.stringify(changeCursorAt(req, page.asOf))}}`,
  );
}
