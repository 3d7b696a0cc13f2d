// Errors out as application/problem+json (RFC 9457), in one place. The errors themselves are in gateway/errors/.
import type { ErrorRequestHandler, Response } from 'express';
import { GatewayError } from '../errors/gateway-error.js';
import { problemTypeUri, type ProblemSlug } from '../errors/problem-types.js';
import { redactUrl } from './redact-url.js';

export function sendProblem(res: Response, problem: GatewayError, where: { publicUrl: string; instance?: string; requestId?: string }): void {
  for (const [name, value] of Object.entries(problem.headers)) res.setHeader(name, value);
  const detail = problem.exposeDetail ? problem.detail : `an unexpected error occurred (request ${where.requestId ?? ''})`;
  res.status(problem.status).type('application/problem+json').send(
    JSON.stringify({
      type: problemTypeUri(where.publicUrl, problem.type),
      title: problem.title,
      status: problem.status,
      detail,
      ...(where.instance ? { instance: redactUrl(where.instance) } : {}),
      ...(problem.exposeDetail && problem.errors.length ? { errors: problem.errors } : {}),
    }),
  );
}

/** The kind of a 4xx raised outside the gateway's code (express's body parser, static files), by its status. */
const KIND_OF_STATUS: Readonly<Partial<Record<number, ProblemSlug>>> = {
  404: 'not-found', 405: 'method-not-allowed', 412: 'precondition-failed', 413: 'too-large', 415: 'unsupported-media-type',
};

/** The last middleware: known problems go out as they are; anything else is logged and becomes a bare 500. */
export function problemHandler(publicUrl: string): ErrorRequestHandler {
  return (error, req, res, _next) => {
    if (res.headersSent) {
      req.log?.error({ err: error }, 'error after the response started');
      res.destroy();
      return;
    }
    const where = { publicUrl, instance: req.originalUrl, requestId: String(req.id ?? '') };
    if (error instanceof GatewayError) {
      if (!error.exposeDetail) req.log?.error({ err: error }, 'internal error');
      sendProblem(res, error, where);
      return;
    }
    const status = (error as { status?: number; statusCode?: number }).status ?? (error as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500 && (error as { expose?: boolean }).expose !== false) {
      // Errors raised by express's own body parser (malformed JSON, body too large) carry a 4xx status.
      sendProblem(res, new GatewayError(KIND_OF_STATUS[status] ?? 'bad-request', (error as Error).message), where);
      return;
    }
    req.log?.error({ err: error }, 'unhandled error');
    sendProblem(res, new GatewayError('internal', 'unhandled error'), where);
  };
}
