// The heating change feed: after a cursor, each day of an establishment whose timetable changed (a cancelled
// lesson, a room change, a snow day), with that day's heating plan as it is now. A building-management system
// keeps the cursor and polls; the first call (no cursor) starts from now.
import type { RequestHandler } from 'express';
import { accessOf } from '../../http/context.js';
import { decodeCursor, encodeCursor, selfUrl, setNextLink } from '../../http/paging.js';
import { queryInteger, queryString } from '../../http/query.js';
import { heatingSettings, planOf } from './plans.js';

const CHANGES_READ = 500;

export function heatingChangesRoute(publicUrl: string): RequestHandler {
  return async (req, res) => {
    const access = accessOf(res);
    const text = queryString(req, 'cursor');
    const cursor = text === undefined ? undefined
      : decodeCursor(req, text, 'cursor', (v): v is { h: string } => typeof v.h === 'string' && /^[0-9]{1,18}$/.test(v.h));
    const settings = heatingSettings(req);
    const limit = Math.min(queryInteger(req, 'limit', CHANGES_READ), CHANGES_READ);
    const { days, position, hasMore } = await access.occupancy().changedDays(cursor ? BigInt(cursor.h) : undefined, limit);
    const data = [];
    for (const day of days) {
      const source = await access.occupancy().establishment(day.uai, day.date, day.date);
      const plan = planOf(source, day.date, day.date, settings);
      data.push({ uai: day.uai, date: day.date, zones: plan.zones.map(({ zone, building, roomIds, comfort }) => ({ zone, building, roomIds, comfort })) });
    }
    const next = encodeCursor(req, { h: String(position) });
    const nextUrl = selfUrl(req, publicUrl, { cursor: next });
    if (hasMore) setNextLink(res, nextUrl);
    res.json({ data, cursor: next, hasMore });
  };
}
