// The scopes an API client can hold. Each feed route declares the one it needs.
export const SCOPES = [
  'roster.read',
  'roster.identifiers',
  'timetable.read',
  'occupancy.read',
  'aggregates.read',
  'sync.write',
  'admin',
] as const;
export type Scope = (typeof SCOPES)[number];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** Who is calling, as established by the bearer token and the client's current record. */
export interface Caller {
  readonly clientId: string;
  readonly scopes: ReadonlySet<Scope>;
  /** The client's perimeter entries as stored (`uai:…`, `departement:…`, `national`). */
  readonly perimeter: readonly string[];
}
