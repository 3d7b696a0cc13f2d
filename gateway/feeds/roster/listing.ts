// The shape every listing answers with: a page of records, the next link (body and Link header), the
// change-feed cursor of the listing's snapshot, an optional total, and an ETag for conditional requests.
import type { Request, Response } from 'express';
import { committedSequence } from '../../store/changelog.js';
import { decodeCursor, encodeCursor, selfUrl, setNextLink } from '../../http/paging.js';
import { etagOf, notModified } from '../../http/etag.js';
import { queryDate, queryFlag, queryInteger, queryString } from '../../http/query.js';
import type { ScopedAccess } from '../../perimeter/scoped-access.js';
import { changeCursorAt } from '../changes/cursor.js';
import type { Page, PageRequest } from './queries.js';

interface ListingCursor {
  /** The change-log position the first page was read at. */
  c: string;
  /** Key of the last row sent. */
  a: string;
}

function isListingCursor(value: Record<string, unknown>): value is ListingCursor & Record<string, unknown> {
  return typeof value.c === 'string' && /^[0-9]{1,19}$/.test(value.c) && typeof value.a === 'string' && value.a.length <= 100;
}

/** Reads the paging parameters; a first page is read at the current change-log position. */
export async function pageRequest(req: Request, access: ScopedAccess): Promise<PageRequest> {
  const cursorText = queryString(req, 'cursor');
  const cursor = cursorText === undefined ? undefined : decodeCursor(cursorText, 'cursor', isListingCursor);
  return {
    limit: queryInteger(req, 'limit', 100),
    after: cursor?.a,
    asOf: cursor ? BigInt(cursor.c) : await committedSequence(access.db),
    includeDeleted: queryFlag(req, 'includeDeleted'),
    updatedSince: queryDate(req, 'updatedSince'),
    withTotal: queryFlag(req, 'count'),
  };
}

export function sendPage<Row extends { seq: string }>(
  req: Request,
  res: Response,
  publicUrl: string,
  request: PageRequest,
  page: Page<Row>,
  keyOf: (row: Row) => string,
  toRecord: (row: Row) => Record<string, unknown>,
): void {
  const last = page.rows[page.rows.length - 1];
  const next = page.hasMore && last
    ? selfUrl(req, publicUrl, { cursor: encodeCursor({ c: String(request.asOf), a: keyOf(last) }) })
    : null;
  // The tag covers what the page shows (which rows, in which version), not the moving feed position.
  const etag = etagOf([req.path, req.query, page.rows.map((r) => [keyOf(r), r.seq]), page.hasMore, page.total]);
  if (page.total !== undefined) res.setHeader('X-Total-Count', String(page.total));
  setNextLink(res, next);
  if (notModified(req, res, etag)) return;
  res.json({ data: page.rows.map(toRecord), next, changeCursor: changeCursorAt(request.asOf) });
}
