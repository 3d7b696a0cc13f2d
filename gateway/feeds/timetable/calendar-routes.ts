// iCalendar of an establishment's sessions for a group, a person or a room: by bearer token, or through a
// revocable subscription URL for calendar applications (which cannot send a token). The URL names the
// subscription, signed with the cursor key; it is answered with the subscribing client's current scopes and
// perimeter, so a client that loses either gets 404 there too.
import { Router, type Request, type Response } from 'express';
import type { Kysely } from 'kysely';
import { NotFoundProblem, ValidationProblem } from '../../errors/problems.js';
import { accessOf, readSessionOf } from '../../http/context.js';
import { dateRange, todayInParis, type DateRange } from '../../http/date-range.js';
import { decodeCursor, encodeCursor } from '../../http/paging.js';
import { queryString } from '../../http/query.js';
import { occurrencesIcal } from '../../ical/occurrences.js';
import type { OccurrenceStatus } from '../../timetable/model.js';
import { ScopedAccess, type CallerLoader } from '../../perimeter/scoped-access.js';
import type { CalendarTargetRef } from '../../perimeter/timetable-scope.js';
import { groupCommitAudit } from '../../store/audit.js';
import { calendarSubscription, type CalendarSubscriptionRow } from '../../store/calendar-subscriptions.js';
import { primaryReads, type ReadSide } from '../../store/read-side.js';
import type { Database } from '../../store/tables.js';
import { KEY_SHAPES } from '../../model/identifiers.js';

const TARGETS = ['group', 'person', 'room'] as const;

/** What a calendar shows when no dates are asked: from two months back to ten months ahead. */
function defaultRange(): DateRange {
  const today = todayInParis();
  return { from: today.subtract({ days: 60 }).toString(), to: today.add({ days: 300 }).toString() };
}

function targetOf(values: Record<string, unknown>, where: 'query' | 'body'): CalendarTargetRef {
  const given = TARGETS.filter((t) => values[t] !== undefined && values[t] !== '');
  if (given.length !== 1) throw new ValidationProblem(`give exactly one of group, person and room (got ${given.length})`, [{ pointer: `/${where}`, detail: 'exactly one of group, person and room' }]);
  const id = String(values[given[0]]);
  if (!KEY_SHAPES.id.test(id)) throw new ValidationProblem(`/${where}/${given[0]} must be an id (UUID)`, [{ pointer: `/${where}/${given[0]}`, detail: 'must be an id (UUID)' }]);
  return { target: given[0], id };
}

async function sendCalendar(res: Response, access: ScopedAccess, uai: string, target: CalendarTargetRef, range: DateRange): Promise<void> {
  const { timeZone, name, sessions } = await access.timetable().sessions(uai, { ...range, [target.target]: target.id });
  const body = occurrencesIcal({
    name: `Emploi du temps – ${name}`, timeZone,
    occurrences: sessions.map((s) => ({
      id: s.id, startsAt: s.startsAt, endsAt: s.endsAt, status: s.status as OccurrenceStatus,
      summary: s.subject ?? 'Cours', ...(s.rooms.length ? { location: s.rooms.join(', ') } : {}),
    })),
  });
  res.type('text/calendar; charset=utf-8').send(body);
}

function subscriptionJson(req: Request, publicUrl: string, row: CalendarSubscriptionRow) {
  return {
    id: row.id, uai: row.uai, target: row.target, targetId: row.target_id,
    url: `${publicUrl}/calendars/${encodeCursor(req, { sub: row.id })}`,
    createdAt: row.created_at.toISOString(), revokedAt: row.revoked_at ? row.revoked_at.toISOString() : null,
  };
}

/** The bearer routes, under /v1. */
export function calendarRoutes(publicUrl: string): Router {
  const router = Router();
  router.get('/establishments/:uai/timetable.ics', async (req, res) => {
    const range = queryString(req, 'from') || queryString(req, 'to') ? dateRange(req) : defaultRange();
    await sendCalendar(res, accessOf(res), req.params.uai as string, targetOf(req.query, 'query'), range);
  });
  router.post('/establishments/:uai/calendar-subscriptions', async (req, res) => {
    const row = await accessOf(res).timetable().subscribe(req.params.uai as string, targetOf(req.body ?? {}, 'body'));
    res.status(201).json(subscriptionJson(req, publicUrl, row));
  });
  router.get('/calendar-subscriptions', async (req, res) => {
    res.json({ data: (await accessOf(res).timetable().subscriptions()).map((row) => subscriptionJson(req, publicUrl, row)) });
  });
  router.delete('/calendar-subscriptions/:id', async (req, res) => {
    await accessOf(res).timetable().revoke(req.params.id as string);
    res.status(204).end();
  });
  return router;
}

/** The subscription URLs, outside /v1: no bearer token, the signed URL is the secret. */
export function subscribedCalendarRoutes(db: Kysely<Database>, loadCaller: CallerLoader, reads: ReadSide = primaryReads(db)): Router {
  const router = Router();
  const audit = groupCommitAudit(db);
  router.get('/calendars/:token', async (req, res) => {
    // Whatever is wrong with the URL, the answer is the same 404: nothing tells a forged URL from a revoked one.
    const gone = new NotFoundProblem('no calendar at this address (revoked, or never made)');
    let id: string;
    try {
      id = decodeCursor(req, req.params.token as string, 'token', (v): v is { sub: string } => typeof v.sub === 'string' && KEY_SHAPES.id.test(v.sub)).sub;
    } catch {
      throw gone;
    }
    const subscription = await calendarSubscription(db, id);
    if (!subscription || subscription.revoked_at) throw gone;
    const caller = await loadCaller(subscription.client_id, ['timetable.read']);
    if (!caller || !caller.scopes.has('timetable.read')) throw gone;
    const access = new ScopedAccess(db, caller, loadCaller, audit, String(req.id ?? ''), readSessionOf(res, reads));
    try {
      await sendCalendar(res, access, subscription.uai, { target: subscription.target, id: subscription.target_id }, defaultRange());
    } catch (error) {
      if (error instanceof NotFoundProblem) throw gone;
      throw error;
    }
  });
  return router;
}
