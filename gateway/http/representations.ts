// How the feeds that offer several formats answer (occupancy, heating, aggregates): JSON by default, CSV for a
// spreadsheet (`Accept: text/csv`), iCalendar for a heating plan (`Accept: text/calendar`), each with an ETag of
// what it shows, so a building-management system polling every few minutes gets 304 until something changed.
import type { Request, Response } from 'express';
import { createHash } from 'node:crypto';
import { NotAcceptableProblem } from '../errors/problems.js';
import { notModified } from './etag.js';

export type Representation = 'json' | 'csv' | 'ical';

const TYPES: Record<Representation, string> = { json: 'application/json', csv: 'text/csv', ical: 'text/calendar' };

/** The representation the request accepts among those offered (JSON when it says nothing); 406 for none. */
export function representationOf(req: Request, offered: readonly Representation[]): Representation {
  const chosen = req.accepts(offered.map((r) => TYPES[r]));
  if (!chosen) throw new NotAcceptableProblem(offered.map((r) => TYPES[r]));
  return offered.find((r) => TYPES[r] === chosen)!;
}

/** Sends `body`, or 304 when the client's copy is the same; CSV and iCalendar come as a named download. */
export function sendRepresentation(req: Request, res: Response, representation: Representation, body: string, filename: string): void {
  res.vary('Accept');
  // The body's own bytes are hashed: JSON-encoding a 40 MB answer to hash it would cost as much as making it.
  const etag = `"${createHash('sha256').update(representation).update('\n').update(body).digest('base64url').slice(0, 27)}"`;
  if (notModified(req, res, etag)) return;
  res.setHeader('Content-Type', `${TYPES[representation]}; charset=utf-8`);
  if (representation !== 'json') res.setHeader('Content-Disposition', `attachment; filename="${filename}.${representation === 'csv' ? 'csv' : 'ics'}"`);
  res.send(body);
}
