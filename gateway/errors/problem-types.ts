// Every kind of problem the gateway answers with, in one table: its HTTP status, its title, and when it happens.
// An error names its kind by slug; the served `type` is `<PUBLIC_URL>/problems/<slug>`, documented from here.

export interface ProblemType {
  readonly status: number;
  readonly title: string;
  /** When it happens and what to do, for the documentation at /problems/<slug>. */
  readonly description: string;
}

export const PROBLEM_TYPES = {
  'validation': {
    status: 400, title: 'Invalid request',
    description: 'A parameter, a header or the body is invalid. `errors` lists each bad field as a JSON pointer (`/query/limit`, `/body/uai`, `/records/3/record/ine`) with what was expected; a batch with any invalid record writes nothing. A cursor that this gateway did not issue is refused so too.',
  },
  'bad-request': {
    status: 400, title: 'Bad request',
    description: 'The request cannot be read at all, for example a body that is not well-formed JSON.',
  },
  'token-in-query': {
    status: 400, title: 'Token in the query string',
    description: 'An access token was sent in the query string. Tokens are taken from the Authorization header only (RFC 6750 §2.3); consider the token exposed and get a new one.',
  },
  'unauthorized': {
    status: 401, title: 'Authentication required',
    description: 'No bearer token, a malformed or expired one, or a token issued to a client that is unknown or revoked. Get a token at /oauth/token and send it as `Authorization: Bearer <token>`.',
  },
  'insufficient-scope': {
    status: 403, title: 'Insufficient scope',
    description: 'The token lacks the scope the operation needs; `detail` and the WWW-Authenticate header name it.',
  },
  'scope-not-held': {
    status: 403, title: 'Scope not held',
    description: 'An administrator gave a client a scope its own client does not hold: a client you manage holds only scopes you hold.',
  },
  'outside-perimeter': {
    status: 403, title: 'Outside your perimeter',
    description: 'The write would put an establishment, or a client you manage, outside your perimeter. Reading outside your perimeter is a 404 instead, exactly as for something missing.',
  },
  'not-found': {
    status: 404, title: 'Not found',
    description: 'No such path, establishment, record, client or job, or one outside your perimeter: the two are not told apart.',
  },
  'method-not-allowed': {
    status: 405, title: 'Method not allowed',
    description: 'The path exists but not with this method; the Allow header lists those it takes.',
  },
  'not-acceptable': {
    status: 406, title: 'Not acceptable',
    description: 'The Accept header asks for a representation the resource does not have; `detail` lists those it has (JSON, and CSV or iCalendar for the occupancy and heating feeds).',
  },
  'conflict': {
    status: 409, title: 'Conflict',
    description: 'The request conflicts with the stored state: a job that cannot be cancelled, retried or confirmed in its current state, a revoked client, a client id already taken.',
  },
  'idempotency-key-reused': {
    status: 409, title: 'Idempotency key reused',
    description: 'The Idempotency-Key was already used for another job with another connector, mode, establishment or body. Use a new key for a new request.',
  },
  'import-held': {
    status: 409, title: 'Import held',
    description: 'A complete import would delete more than its allowed share of the records its source last delivered (a truncated file must never wipe a school): nothing was written. Check the export, then confirm the job.',
  },
  'precondition-failed': {
    status: 412, title: 'Precondition failed',
    description: 'If-Match does not match the stored version: someone changed it since you read it. Fetch it again and reapply your change.',
  },
  'rate-limited': {
    status: 429, title: 'Too many requests',
    description: 'The client made more requests than its rate limit allows (RATE_LIMIT_PER_MINUTE, counted across every replica of the gateway). `Retry-After` says in how many seconds to try again; a client that syncs by pages should slow down rather than retry at once.',
  },
  'too-large': {
    status: 413, title: 'Request too large',
    description: 'The request body is larger than the gateway takes.',
  },
  'upload-too-large': {
    status: 413, title: 'Upload too large',
    description: 'A sync job\'s upload is larger than the gateway takes (MAX_UPLOAD_MB). Split the delivery, or have it pulled from a folder or an SFTP server.',
  },
  'unsupported-media-type': {
    status: 415, title: 'Unsupported media type',
    description: 'The body\'s Content-Type is not one the operation takes; `detail` names those it does.',
  },
  'internal': {
    status: 500, title: 'Internal error',
    description: 'An unexpected error. Nothing about it is shown; `detail` names the request id to quote when reporting it.',
  },
  'not-ready': {
    status: 503, title: 'Not ready',
    description: 'A dependency (the store, Redis) does not answer; `detail` names which. A load balancer should send no traffic meanwhile.',
  },
  'shutting-down': {
    status: 503, title: 'Shutting down',
    description: 'The gateway is stopping; send the request to another instance, or again once it has restarted.',
  },
} as const satisfies Record<string, ProblemType>;

export type ProblemSlug = keyof typeof PROBLEM_TYPES;

export function isProblemSlug(text: string): text is ProblemSlug {
  return Object.hasOwn(PROBLEM_TYPES, text);
}

/** The URI a problem's `type` carries: a page of this deployment that documents it. */
export function problemTypeUri(publicUrl: string, slug: ProblemSlug): string {
  return `${publicUrl}/problems/${slug}`;
}
