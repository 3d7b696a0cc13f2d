// What a /v1 request carries once authenticated: the caller, and the perimeter-scoped door to the data.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Kysely } from 'kysely';
import type { Caller, Scope } from '../auth/scopes.js';
import { ScopedAccess, type CallerLoader } from '../perimeter/scoped-access.js';
import { groupCommitAudit, type AuditLog } from '../store/audit.js';
import { primaryReads, type ReadSession, type ReadSide } from '../store/read-side.js';
import type { Database } from '../store/tables.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Locals {
      caller?: Caller;
      access?: ScopedAccess;
    }
  }
}

/**
 * After authentication: gives the request its perimeter-scoped access, and one audit log (group commit) to all of
 * them. Each request waits for its own entries, so none is left once the server has drained its requests: the
 * log needs no closing of its own. Its reads have a session of `reads` (a replica's connection, taken at the first
 * read), given back when the response is over.
 */
export function scopedAccess(
  db: Kysely<Database>, loadCaller: CallerLoader, audit: AuditLog = groupCommitAudit(db), reads: ReadSide = primaryReads(db),
): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    res.locals.access = new ScopedAccess(db, res.locals.caller!, loadCaller, audit, String(req.id ?? ''), readSessionOf(res, reads));
    next();
  };
}

/** A read session for the response, released when it is over ('close' follows 'finish', and comes alone on an abort). */
export function readSessionOf(res: Response, reads: ReadSide): ReadSession {
  const session = reads.session();
  res.once('close', () => session.release());
  return session;
}

export function accessOf(res: Response): ScopedAccess {
  if (!res.locals.access) throw new Error('route reached without authentication');
  return res.locals.access;
}

/** Lets the request through when the caller holds at least one of the scopes (none listed: any caller). */
export function requireAnyScope(scopes: readonly Scope[]): RequestHandler {
  return (_req, res, next) => {
    accessOf(res).requireScopes(scopes);
    next();
  };
}
