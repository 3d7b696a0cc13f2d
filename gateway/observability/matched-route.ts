// The route a request matched, as declared (`/v1/roster/establishments/:uai`): what metrics and traces name a
// request by, never its raw path, which holds identifiers.
import type { Request } from 'express';

/** Undefined when no route matched (a 404, or a request refused before routing). */
export function matchedRoute(req: Request): string | undefined {
  return req.route ? `${req.baseUrl}${String((req.route as { path: string }).path)}` : undefined;
}
