// JSON logs with pino; a request's lines carry its request id. Credentials never reach a log.
import { randomUUID } from 'node:crypto';
import { pino, type Logger } from 'pino';
import type { RequestHandler } from 'express';
import { redactUrl } from '../http/redact-url.js';

export type { Logger };

declare module 'http' {
  interface IncomingMessage {
    /** The request id (X-Request-Id), set by `requestLogger`. */
    id?: string;
    /** A logger carrying the request (id, method, URL), made when first used. */
    log?: Logger;
  }
}

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

/**
 * Logs each request once it ends (or its connection closes first), with an id taken from X-Request-Id when sane
 * or made up, echoed back. One line per request, written when it ends: no child logger is made for a request
 * unless something logs through `req.log` (pino-http made two per request, and copied each request's headers to
 * keep three of its fields: with the line, 4 % of a roster page's CPU in the gateway, now half of that).
 */
export function requestLogger(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && /^[A-Za-z0-9._-]{1,100}$/.test(given) ? given : randomUUID();
    req.id = id;
    res.setHeader('X-Request-Id', id);
    const started = Date.now();
    // Tokens travel in headers, which are never logged; one a client put in the query string is cut out of the URL.
    const described = () => ({ id, method: req.method, url: redactUrl(req.originalUrl ?? req.url ?? '') });
    let child: Logger | undefined;
    Object.defineProperty(req, 'log', { configurable: true, get: () => (child ??= logger.child({ req: described() })) });
    const ended = () => {
      res.off('finish', ended);
      res.off('close', ended);
      const line = { req: described(), res: { statusCode: res.statusCode }, responseTime: Date.now() - started };
      if (!res.writableFinished) logger.warn(line, 'request closed before its response was sent');
      else if (res.statusCode >= 500) logger.error(line, 'request failed');
      else if (res.statusCode >= 400) logger.warn(line, 'request completed');
      else logger.info(line, 'request completed');
    };
    res.on('finish', ended);
    res.on('close', ended);
    next();
  };
}
