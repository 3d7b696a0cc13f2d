// The timetable feed: an establishment's occurrences between two dates (courses and course changes are listed by
// the records feed, from the registry), one occurrence by id, and iCalendar for a group, a person or a room, by
// bearer token or through a revocable subscription URL (calendar-routes.ts).
import { Router, type Request } from 'express';
import { ValidationProblem } from '../../errors/problems.js';
import { accessOf } from '../../http/context.js';
import { dateRange } from '../../http/date-range.js';
import { notModified, recordEtag } from '../../http/etag.js';
import { queryString } from '../../http/query.js';
import { KEY_SHAPES } from '../../model/identifiers.js';
import type { OccurrenceQuery } from '../../store/timetable/reads.js';
import { pageRequest, sendPage } from '../roster/listing.js';

const FILTERS = ['group', 'person', 'room', 'subject'] as const;

/** The dates and filters of a listing of occurrences; a filter must be an id. */
export function occurrenceQuery(req: Request): OccurrenceQuery {
  const query: OccurrenceQuery = dateRange(req);
  for (const filter of FILTERS) {
    const value = queryString(req, filter);
    if (value === undefined) continue;
    if (!KEY_SHAPES.id.test(value)) throw new ValidationProblem(`/query/${filter} must be an id (UUID)`, [{ pointer: `/query/${filter}`, detail: 'must be an id (UUID)' }]);
    query[filter] = value;
  }
  return query;
}

export function timetableRoutes(publicUrl: string): Router {
  const router = Router();

  router.get('/establishments/:uai/occurrences', async (req, res) => {
    const page = await accessOf(res).timetable().occurrences(req.params.uai as string, occurrenceQuery(req), pageRequest(req, 'session'));
    sendPage(req, res, publicUrl, page);
  });

  router.get('/occurrences/:id', async (req, res) => {
    const row = await accessOf(res).timetable().occurrence(req.params.id as string);
    if (notModified(req, res, recordEtag({ id: row.key, seq: row.seq }))) return;
    res.type('application/json').send(row.record);
  });
  return router;
}

/** Closing every establishment of a territory for some days, and lifting it. */
export function closureRoutes(): Router {
  const router = Router();
  router.post('/closures', async (req, res) => {
    const outcome = await accessOf(res).closures().create(req.body);
    res.status(201).type('application/json').send(`{"closure":${outcome.record},"establishments":${outcome.establishments}}`);
  });
  router.delete('/closures/:id', async (req, res) => {
    const outcome = await accessOf(res).closures().lift(req.params.id as string);
    res.type('application/json').send(`{"closure":${outcome.record},"establishments":${outcome.establishments}}`);
  });
  return router;
}
