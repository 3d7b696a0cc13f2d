// Access tokens travel in the Authorization header only. RFC 6750 §2.3 allows a query parameter but advises
// against it (§5.3: URLs end up in logs, proxies and browser histories), so a request carrying one in its
// query string is refused before anything reads it, even when its header holds a valid token too.
import type { RequestHandler } from 'express';
import { ProblemError } from './problem.js';
import { hasCredentialInQuery } from './redact-url.js';

export class TokenInQueryProblem extends ProblemError {
  constructor() {
    const detail = 'access tokens are not taken from the query string (RFC 6750 §2.3): send it as "Authorization: Bearer <access token>", and consider this one exposed';
    super(400, 'token-in-query', 'Token in the query string', detail, [], {
      'WWW-Authenticate': 'Bearer error="invalid_request", error_description="send the access token in the Authorization header, not in the query string"',
    });
  }
}

export const refuseTokenInQuery: RequestHandler = (req, _res, next) => {
  next(hasCredentialInQuery(req.originalUrl) ? new TokenInQueryProblem() : undefined);
};
