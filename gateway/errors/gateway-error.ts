// The base of every error the gateway answers with: its kind (a slug of PROBLEM_TYPES, which gives the status
// and title), what went wrong in this occurrence, and the fields at fault. Domain errors extend it, so routes
// let them propagate and the one problem handler renders them.
import { PROBLEM_TYPES, type ProblemSlug } from './problem-types.js';

export interface ProblemField {
  /** JSON pointer to the offending value, e.g. `/records/3/record/ine` or `/query/limit`. */
  pointer: string;
  detail: string;
}

export interface GatewayErrorOptions {
  errors?: readonly ProblemField[];
  /** Extra headers such as WWW-Authenticate. */
  headers?: Readonly<Record<string, string>>;
  cause?: unknown;
}

export class GatewayError extends Error {
  readonly status: number;
  readonly title: string;
  readonly errors: readonly ProblemField[];
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    /** The problem's kind; its `type` URI is `<PUBLIC_URL>/problems/<type>`. */
    readonly type: ProblemSlug,
    readonly detail: string,
    options: GatewayErrorOptions = {},
  ) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.status = PROBLEM_TYPES[type].status;
    this.title = PROBLEM_TYPES[type].title;
    this.errors = options.errors ?? [];
    this.headers = options.headers ?? {};
  }

  /** Whether `detail` may be shown to the caller: a 500's never is, it may hold anything. */
  get exposeDetail(): boolean {
    return this.status !== 500;
  }
}

/** A one-sentence summary of field problems, so `detail` alone names the field and what was expected. */
export function summarise(errors: readonly ProblemField[]): string {
  const shown = errors.slice(0, 3).map((e) => `${e.pointer} ${e.detail}`).join('; ');
  return errors.length > 3 ? `${shown}; and ${errors.length - 3} more` : shown;
}
