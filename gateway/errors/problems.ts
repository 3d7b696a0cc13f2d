// The gateway's generic problems, named after what went wrong; domain errors live beside their domain.
import { GatewayError, type ProblemField } from './gateway-error.js';

export class ValidationProblem extends GatewayError {
  constructor(detail: string, errors: readonly ProblemField[] = []) {
    super('validation', detail, { errors });
  }
}

export class NotFoundProblem extends GatewayError {
  constructor(detail: string) {
    super('not-found', detail);
  }
}

export class UnauthorizedProblem extends GatewayError {
  constructor(detail: string) {
    super('unauthorized', detail, {
      headers: { 'WWW-Authenticate': `Bearer error="invalid_token", error_description="${detail.replace(/"/g, "'")}"` },
    });
  }
}

export class ForbiddenProblem extends GatewayError {
  /** `scopes`: the scope the operation needs, or several of which any one would do. */
  constructor(scopes: string | readonly string[]) {
    const list = typeof scopes === 'string' ? [scopes] : [...scopes];
    super('insufficient-scope', `this operation needs the scope ${list.join(' or ')}`, {
      headers: { 'WWW-Authenticate': `Bearer error="insufficient_scope", scope="${list.join(' ')}"` },
    });
  }
}

export class NotAcceptableProblem extends GatewayError {
  constructor(offered: readonly string[]) {
    super('not-acceptable', `this resource is available as ${offered.join(', ')}: ask for one of them in Accept`);
  }
}

export class ConflictProblem extends GatewayError {
  constructor(detail: string) {
    super('conflict', detail);
  }
}

export class PreconditionFailed extends GatewayError {
  constructor(detail: string) {
    super('precondition-failed', detail);
  }
}

/**
 * Outside the caller's perimeter is missing to it: one wording for both, whatever is refused (`establishment
 * 0750655E`, `person <id>`).
 */
export function notInPerimeterDetail(what: string): string {
  return `no ${what} in your perimeter`;
}
