// Credentials travel in headers (and a token request's body) only. RFC 6750 §2.3 allows an access token in a query
// parameter but advises against it (§5.3: URLs end up in logs, proxies and browser histories), so a request
// carrying one in its query string (an access or refresh token, a client secret or assertion) is refused before
// anything reads it, even when its header holds a valid token too.
import type { RequestHandler } from 'express';
import { GatewayError } from '../errors/gateway-error.js';
import { hasCredentialInQuery } from './redact-url.js';

export class TokenInQueryProblem extends GatewayError {
  constructor() {
    const detail = 'credentials are not taken from the query string (RFC 6750 §2.3): send an access token as "Authorization: Bearer <access token>", a client\'s secret or assertion in the token request\'s body or Authorization header, and consider the one sent exposed';
    super('token-in-query', detail, {
      headers: { 'WWW-Authenticate': 'Bearer error="invalid_request", error_description="send credentials in the Authorization header, not in the query string"' },
    });
  }
}

export const refuseTokenInQuery: RequestHandler = (req, _res, next) => {
  next(hasCredentialInQuery(req.originalUrl) ? new TokenInQueryProblem() : undefined);
};
