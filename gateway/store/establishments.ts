// Establishments: the records every other one belongs to, and whose territory perimeters are resolved against.
import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import { validateRecord } from '../model/validate.js';
import type { Database, EstablishmentRow } from './tables.js';
import { jsonForPostgres, minimalParts, recordFromRow, renderedInDatabase } from './record-shape.js';
import { jsonEqual } from './json-equal.js';
import { reserveSequence } from './changelog.js';
import type { PerimeterEntry } from '../perimeter/perimeter.js';
import { coversEstablishment, perimeterCovers, type EstablishmentPlace } from '../perimeter/visibility.js';
import { EstablishmentOutsidePerimeter, EstablishmentRejected } from './write-errors.js';

/** Writers of one establishment take turns: matching by source id and reconciliation need a stable view. */
export async function lockEstablishment(trx: Transaction<Database>, uai: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext(${'establishment:' + uai}))`.execute(trx);
}

const TERRITORY_FIELDS = ['communeCode', 'departementCode', 'regionCode', 'academieCode'] as const;
const ENVELOPE = new Set(['id', 'uai', 'sourceIds', 'status', 'updatedAt']);

/**
 * Creates or updates an establishment (matched by UAI). A change of territory is recorded with its sequence
 * number, so the change feed can tell which clients' perimeters it entered or left. With `perimeter`, the write
 * is the caller's: the establishment as stored and as written must both be inside it (checked under the
 * establishment's lock), else EstablishmentOutsidePerimeter and nothing is written.
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
    await lockEstablishment(trx, uai);
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
    data.timeZone ??= 'Europe/Paris';
    if (existing && input.id !== undefined && input.id !== existing.id) {
      throw new EstablishmentRejected([{ pointer: '/id', detail: `must be ${existing.id}, the id of ${uai}, or be left out` }]);
    }
    const sourceIds = { ...((existing?.source_ids ?? {}) as Record<string, string>), ...((input.sourceIds ?? {}) as Record<string, string>) };
    if (existing && existing.status === 'active' && jsonEqual(existing.data, data) &&
      jsonEqual(existing.source_ids, sourceIds)) {
      return { record: recordFromRow(existing), seq: existing.seq, outcome: 'unchanged' as const };
    }
    const seq = String(await reserveSequence(trx, 1));
    const id = existing?.id ?? (typeof input.id === 'string' ? input.id : randomUUID());
    const updatedAt = new Date();
    const territory = {
      commune_code: (data.communeCode as string | undefined) ?? null,
      departement_code: (data.departementCode as string | undefined) ?? null,
      region_code: data.regionCode as string,
      academie_code: data.academieCode as string,
    };
    const minimal = minimalParts(sourceIds, data);
    const rendered = (parts: { sourceIds: unknown; data: unknown }) => renderedInDatabase({
      id: sql`${id}::text`, uai, status: sql`'active'`, updatedAt, sourceIds: sql`${jsonForPostgres(parts.sourceIds)}::json`, data: sql`${jsonForPostgres(parts.data)}::json`,
    });
    const { rows: [stored] } = await sql<EstablishmentRow>`
      insert into establishment (id, uai, status, name, type, sector, commune_code, departement_code, region_code, academie_code,
        source_ids, data, body, body_minimal, updated_at, seq)
      values (${id}, ${uai}, 'active', ${data.name as string}, ${data.type as string}, ${data.sector as string}, ${territory.commune_code},
        ${territory.departement_code}, ${territory.region_code}, ${territory.academie_code}, ${jsonForPostgres(sourceIds)}::jsonb, ${jsonForPostgres(data)}::jsonb,
        ${rendered({ sourceIds, data })}, ${minimal ? rendered(minimal) : null}, ${updatedAt}, ${seq})
      on conflict (uai) do update set
        status = excluded.status, name = excluded.name, type = excluded.type, sector = excluded.sector, commune_code = excluded.commune_code,
        departement_code = excluded.departement_code, region_code = excluded.region_code, academie_code = excluded.academie_code,
        source_ids = excluded.source_ids, data = excluded.data, body = excluded.body, body_minimal = excluded.body_minimal,
        updated_at = excluded.updated_at, seq = excluded.seq
      returning *`.execute(trx);
    const territoryMoved = !existing || existing.status !== 'active' ||
      TERRITORY_FIELDS.some((f) => (existing.data as Record<string, unknown>)[f] !== data[f]);
    if (territoryMoved) {
      await trx.insertInto('establishment_territory').values({
        uai, seq, status: 'active', ...territory,
      }).execute();
    }
    await trx.insertInto('change_log').values({ seq, entity: 'establishment', record_id: id, uai, op: 'upsert', changed_at: updatedAt }).execute();
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
  const rows = await db.selectFrom('establishment').select('uai')
    .where('uai', 'in', [...new Set(uais)]).where('status', '=', 'active')
    .where((eb) => coversEstablishment(eb, perimeter))
    .execute();
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
