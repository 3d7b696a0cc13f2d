// JSON logs with pino, one child logger per request carrying its request id. Credentials never reach a log.
import { randomUUID } from 'node:crypto';
import { pino, type Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import type { RequestHandler } from 'express';
import { redactUrl } from '../http/redact-url.js';

export type { Logger };

const REDACTED = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  '*.client_secret',
  '*.clientSecret',
  '*.password',
  '*.access_token',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACTED, censor: '[redacted]' }, base: { service: 'passerelle' } }, destination);
}

/**
 * The logger of a command that does not serve: on standard error, so that the standard output carries only
 * what the command prints (one JSON document with --json), and at `warn` and above unless `verbose`, when
 * LOG_LEVEL applies.
 */
export function commandLogger(level: string, verbose: boolean): Logger {
  const quiet = (pino.levels.values[level] ?? Infinity) >= pino.levels.values.warn ? level : 'warn'; // silent stays silent
  return createLogger(verbose ? level : quiet, pino.destination({ fd: 2, sync: true }));
}

/** Logs each request once it ends, with an id taken from X-Request-Id when sane or made up, echoed back. */
export function requestLogger(logger: Logger): RequestHandler {
  return pinoHttp({
    logger,
    genReqId: (req, res) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && /^[A-Za-z0-9._-]{1,100}$/.test(given) ? given : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    // Tokens travel in headers, which are redacted; one a client put in the query string is cut out of the URL.
    serializers: {
      req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, url: redactUrl(req.url) }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
  }) as unknown as RequestHandler;
}
