// Access tokens travel in the Authorization header only. RFC 6750 §2.3 allows a query parameter but advises
// against it (§5.3: URLs end up in logs, proxies and browser histories), so a request carrying one in its
// query string is refused before anything reads it, even when its header holds a valid token too.
import type { RequestHandler } from 'express';
import { GatewayError } from '../errors/gateway-error.js';
import { hasCredentialInQuery } from './redact-url.js';

export class TokenInQueryProblem extends GatewayError {
  constructor() {
    const detail = 'access tokens are not taken from the query string (RFC 6750 §2.3): send it as "Authorization: Bearer <access token>", and consider this one exposed';
    super('token-in-query', detail, {
      headers: { 'WWW-Authenticate': 'Bearer error="invalid_request", error_description="send the access token in the Authorization header, not in the query string"' },
    });
  }
}

export const refuseTokenInQuery: RequestHandler = (req, _res, next) => {
  next(hasCredentialInQuery(req.originalUrl) ? new TokenInQueryProblem() : undefined);
};
