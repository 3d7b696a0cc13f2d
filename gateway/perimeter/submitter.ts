// The perimeter of whoever submitted a sync job, resolved when the job runs (it may have changed since it was
// asked for): what the import may read and write. The operator's is national.
import type { Kysely } from 'kysely';
import { activeClientPerimeter } from '../store/client-perimeters.js';
import { establishmentsWithin } from '../store/establishments.js';
import { OPERATOR } from '../store/jobs.js';
import type { Database } from '../store/tables.js';
import { parsePerimeter, type PerimeterEntry } from './perimeter.js';

/** The submitter's perimeter as of now: empty for a client revoked since, national for the operator. */
export async function submitterPerimeter(db: Kysely<Database>, submittedBy: string): Promise<PerimeterEntry[]> {
  if (submittedBy === OPERATOR) return [{ kind: 'national' }];
  return parsePerimeter(await activeClientPerimeter(db, submittedBy) ?? []);
}

/** Of these UAIs, those of active establishments an import with this perimeter may write to. */
export function establishmentsWritableBy(db: Kysely<Database>, perimeter: readonly PerimeterEntry[], uais: readonly string[]): Promise<Set<string>> {
  return establishmentsWithin(db, perimeter, uais);
}
