// Establishments: the records every other one belongs to, and whose territory perimeters are resolved against.
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { ESTABLISHMENT } from '../model/registry.js';
import { validateRecord } from '../model/validate.js';
import type { Database } from './tables.js';
import { recordFromRow } from './record-shape.js';
import { jsonEqual } from './json-equal.js';
import { lockOwner } from './owner-lock.js';
import { ENVELOPE } from './write/plan.js';
import { writeRows } from './write/rows.js';
import type { PerimeterEntry } from '../perimeter/perimeter.js';
import { perimeterCovers, type EstablishmentPlace } from '../perimeter/visibility.js';
import { establishmentsCoveredBy } from './reads/visibility.js';
import { timeZoneOf } from '../timetable/calendar/zones.js';
import { EstablishmentOutsidePerimeter, EstablishmentRejected } from './write-errors.js';

/** What decides which perimeters cover an establishment: its territory codes, and its type (`departement:069/college`). */
const TERRITORY_FIELDS = ['communeCode', 'departementCode', 'regionCode', 'academieCode', 'type'] as const;

/**
 * Creates or updates an establishment (matched by UAI) through the one write path. A change of territory is
 * recorded with its sequence number, so the change feed can tell which clients' perimeters it entered or left.
 * With `perimeter`, the write is the caller's: the establishment as stored and as written must both be inside
 * it (checked under the establishment's lock), else EstablishmentOutsidePerimeter and nothing is written.
 */
export async function putEstablishment(
  db: Kysely<Database>,
  input: Record<string, unknown>,
  options: {
    /** Sees the stored version under the establishment's lock, and throws to stop the write. */
    precondition?: (current: { id: string; seq: string } | undefined) => void;
    /** The UAI's key is not checked (imports of test feeds). */
    lenientIdentifiers?: boolean;
    /** The writer's perimeter (absent: the operator's, national). */
    perimeter?: readonly PerimeterEntry[];
    /**
     * Absent, the input is the whole establishment (PUT). Present, the input describes what one source knows of
     * it: fields it leaves out keep their stored values, and where the stored establishment carries a source id
     * of `deferTo` (the national directory), that source's fields win and the input only fills what it lacks.
     */
    merge?: { deferTo?: string; /** Fields nothing else gives (a name for an establishment first seen). */ defaults?: Record<string, unknown> };
  } = {},
): Promise<{ record: Record<string, unknown>; seq: string; outcome: 'created' | 'updated' | 'unchanged' }> {
  const uai = String(input.uai);
  const given = Object.fromEntries(Object.entries(input).filter(([k]) => !ENVELOPE.has(k)));

  return db.transaction().execute(async (trx) => {
    await lockOwner(trx, { uai });
    const existing = await trx.selectFrom('establishment').selectAll().where('uai', '=', uai).executeTakeFirst();
    const storedData = (existing?.status === 'active' ? existing.data : {}) as Record<string, unknown>;
    const perimeter = options.perimeter;
    if (perimeter && existing?.status === 'active' && !perimeterCovers(perimeter, { ...storedData, uai } as EstablishmentPlace)) {
      throw new EstablishmentOutsidePerimeter(uai, 'stored', perimeter);
    }
    options.precondition?.(existing);
    const deferred = options.merge?.deferTo !== undefined && existing?.status === 'active' &&
      Object.hasOwn((existing.source_ids ?? {}) as object, options.merge.deferTo);
    const data = !options.merge ? { ...given } : { ...options.merge.defaults, ...(deferred ? { ...given, ...storedData } : { ...storedData, ...given }) };
    if (perimeter && !perimeterCovers(perimeter, { ...data, uai } as EstablishmentPlace)) throw new EstablishmentOutsidePerimeter(uai, 'written', perimeter);
    // Checked once merged: a source may describe only part of an establishment the store knows.
    const envelope = Object.fromEntries(Object.entries(input).filter(([k]) => ENVELOPE.has(k)));
    const problems = validateRecord('establishment', { ...envelope, ...data }, { lenientIdentifiers: options.lenientIdentifiers });
    if (input.status !== undefined && input.status !== 'active') problems.push({ pointer: '/status', detail: 'must be "active"' });
    if (problems.length) throw new EstablishmentRejected(problems);
    // Overseas establishments live in their own time zone (Réunion, Cayenne, Nouméa…): their timetables need it.
    data.timeZone ??= (typeof data.departementCode === 'string' ? timeZoneOf(data.departementCode) : undefined) ?? 'Europe/Paris';
    if (existing && input.id !== undefined && input.id !== existing.id) {
      throw new EstablishmentRejected([{ pointer: '/id', detail: `must be ${existing.id}, the id of ${uai}, or be left out` }]);
    }
    const sourceIds = { ...((existing?.source_ids ?? {}) as Record<string, string>), ...((input.sourceIds ?? {}) as Record<string, string>) };
    if (existing && existing.status === 'active' && jsonEqual(existing.data, data) &&
      jsonEqual(existing.source_ids, sourceIds)) {
      return { record: recordFromRow(existing), seq: existing.seq, outcome: 'unchanged' as const };
    }
    const id = existing?.id ?? (typeof input.id === 'string' ? input.id : randomUUID());
    const seq = String(await writeRows(trx, [{ entity: ESTABLISHMENT, owner: { uai }, id, created: !existing, deleted: false, sourceIds, data }]));
    const stored = await trx.selectFrom('establishment').selectAll().where('uai', '=', uai).executeTakeFirstOrThrow();
    const territoryMoved = !existing || existing.status !== 'active' ||
      TERRITORY_FIELDS.some((f) => (existing.data as Record<string, unknown>)[f] !== data[f]);
    if (territoryMoved) {
      await trx.insertInto('establishment_territory').values({
        uai, seq, status: 'active', commune_code: stored.commune_code, departement_code: stored.departement_code,
        region_code: stored.region_code, academie_code: stored.academie_code, type: stored.type,
      }).execute();
    }
    return { record: recordFromRow(stored), seq: stored.seq, outcome: existing ? ('updated' as const) : ('created' as const) };
  });
}

/** True when the store holds at least one establishment (the embedded default seeds an empty store). */
export async function hasEstablishments(db: Kysely<Database>): Promise<boolean> {
  return (await db.selectFrom('establishment').select('uai').limit(1).executeTakeFirst()) !== undefined;
}

/** Of these UAIs, those of active establishments inside the perimeter (one query). */
export async function establishmentsWithin(db: Kysely<Database>, perimeter: readonly PerimeterEntry[], uais: readonly string[]): Promise<Set<string>> {
  if (uais.length === 0) return new Set();
  const rows = await establishmentsCoveredBy(db, perimeter).select('establishment.uai').where('establishment.uai', 'in', [...new Set(uais)]).execute();
  return new Set(rows.map((r) => r.uai));
}

/** The commune code the store has for an establishment (null when it has none yet, undefined when it has no such establishment). */
export async function storedCommuneCode(db: Kysely<Database>, uai: string): Promise<string | null | undefined> {
  return (await db.selectFrom('establishment').select('commune_code').where('uai', '=', uai).where('status', '=', 'active').executeTakeFirst())?.commune_code;
}

/**
 * The communes of a département by the names the national directory gives them (`communeName`), as the store's
 * establishments have them: how a source that names only its town finds its commune code.
 */
export async function directoryCommunes(db: Kysely<Database>, departementCode: string): Promise<{ communeCode: string; communeName: string }[]> {
  const rows = await db.selectFrom('establishment')
    .select(['commune_code', sql<string>`data->>'communeName'`.as('communeName')])
    .distinct()
    .where('departement_code', '=', departementCode)
    .where('commune_code', 'is not', null)
    .where(sql<boolean>`source_ids ? 'annuaire' and data ? 'communeName'`)
    .execute();
  return rows.map((r) => ({ communeCode: r.commune_code!, communeName: r.communeName }));
}

export async function isStoredEstablishment(db: Kysely<Database>, uai: string): Promise<boolean> {
  return (await db.selectFrom('establishment').select('uai').where('uai', '=', uai).executeTakeFirst()) !== undefined;
}
