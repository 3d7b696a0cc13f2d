// One error family for the whole gateway, serialised in one place as application/problem+json (RFC 9457).
import type { ErrorRequestHandler, Response } from 'express';
import { redactUrl } from './redact-url.js';

export interface ProblemField {
  /** JSON pointer to the offending value, e.g. `/records/3/record/ine` or `/query/limit`. */
  pointer: string;
  detail: string;
}

const TYPE_BASE = 'https://passerelle.education.gouv.fr/problems/';

export class ProblemError extends Error {
  readonly type: string;
  constructor(
    readonly status: number,
    slug: string,
    readonly title: string,
    readonly detail: string,
    readonly errors: ProblemField[] = [],
    /** Extra headers such as WWW-Authenticate. */
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.type = TYPE_BASE + slug;
  }
}

export class ValidationProblem extends ProblemError {
  constructor(detail: string, errors: ProblemField[] = []) {
    super(400, 'validation', 'Invalid request', detail, errors);
  }
}

export class NotFoundProblem extends ProblemError {
  constructor(detail: string) {
    super(404, 'not-found', 'Not found', detail);
  }
}

export class UnauthorizedProblem extends ProblemError {
  constructor(detail: string) {
    super(401, 'unauthorized', 'Authentication required', detail, [], {
      'WWW-Authenticate': `Bearer error="invalid_token", error_description="${detail.replace(/"/g, "'")}"`,
    });
  }
}

export class ForbiddenProblem extends ProblemError {
  /** `scopes`: the scope the operation needs, or several of which any one would do. */
  constructor(scopes: string | readonly string[]) {
    const list = typeof scopes === 'string' ? [scopes] : [...scopes];
    super(403, 'insufficient-scope', 'Insufficient scope', `this operation needs the scope ${list.join(' or ')}`, [], {
      'WWW-Authenticate': `Bearer error="insufficient_scope", scope="${list.join(' ')}"`,
    });
  }
}

export class ConflictProblem extends ProblemError {
  constructor(detail: string) {
    super(409, 'conflict', 'Conflict', detail);
  }
}

/** A one-sentence summary of field problems, so `detail` alone names the field and what was expected. */
export function summarise(errors: ProblemField[]): string {
  const shown = errors.slice(0, 3).map((e) => `${e.pointer} ${e.detail}`).join('; ');
  return errors.length > 3 ? `${shown}; and ${errors.length - 3} more` : shown;
}

export function sendProblem(res: Response, problem: ProblemError, instance?: string): void {
  for (const [name, value] of Object.entries(problem.headers)) res.setHeader(name, value);
  res.status(problem.status).type('application/problem+json').send(
    JSON.stringify({
      type: problem.type,
      title: problem.title,
      status: problem.status,
      detail: problem.detail,
      ...(instance ? { instance: redactUrl(instance) } : {}),
      ...(problem.errors.length ? { errors: problem.errors } : {}),
    }),
  );
}

/** The last middleware: known problems go out as they are; anything else is logged and becomes a bare 500. */
export const problemHandler: ErrorRequestHandler = (error, req, res, _next) => {
  if (res.headersSent) {
    req.log?.error({ err: error }, 'error after the response started');
    res.destroy();
    return;
  }
  if (error instanceof ProblemError) {
    sendProblem(res, error, req.originalUrl);
    return;
  }
  const status = (error as { status?: number; statusCode?: number }).status ?? (error as { statusCode?: number }).statusCode;
  if (status && status >= 400 && status < 500 && (error as { expose?: boolean }).expose !== false) {
    // Errors raised by express's own body parser (malformed JSON, body too large) carry a 4xx status.
    sendProblem(res, new ProblemError(status, 'bad-request', 'Bad request', (error as Error).message), req.originalUrl);
    return;
  }
  req.log?.error({ err: error }, 'unhandled error');
  sendProblem(res, new ProblemError(500, 'internal', 'Internal error', `an unexpected error occurred (request ${String(req.id ?? '')})`), req.originalUrl);
};
