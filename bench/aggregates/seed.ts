// bench/aggregates' national store: establishments over a synthetic France (13 régions, 30 académies, 94
// départements, 12 communes each), of four types and two sectors, with their pupils (a level each, in divisions
// of 25 of that level), teachers and the pupils' division memberships. Establishments go through the gateway's own
// write path (putEstablishment: the row, its rendering, the territory history); the millions of roster records
// are made by the database (INSERT … SELECT generate_series), in the rows writeRows would store: the same columns
// (kind from the data, as storage.columns says), the renderings made by renderedInDatabase, their source keys,
// sequence numbers taken from the change counter (reserveSequence) and one change-log row each.
import { sql, type Kysely } from 'kysely';
import { uaiWithKey } from '../../gateway/model/identifiers.js';
import { entityNamed } from '../../gateway/model/registry.js';
import { guardedFields, guardedSources } from '../../gateway/perimeter/projection.js';
import { reserveSequence } from '../../gateway/store/changelog.js';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { renderedInDatabase } from '../../gateway/store/record-shape.js';
import type { Database } from '../../gateway/store/tables.js';

const REGIONS = ['11', '24', '27', '28', '32', '44', '52', '53', '75', '76', '84', '93', '94'];
const ACADEMIES = 30;
/** Metropolitan départements 001–095 but 020 (Corse is 02A/02B). */
const DEPARTEMENTS = Array.from({ length: 95 }, (_, i) => String(i + 1).padStart(3, '0')).filter((d) => d !== '020');
const COMMUNES_PER_DEPARTEMENT = 12;
export const DIVISION_SIZE = 25;
/** About one teacher for 13 pupils. */
const PUPILS_PER_TEACHER = 13;

/** Per type: its share of the establishments (out of 20), its relative size, and its levels. */
const TYPES = [
  { type: 'ecole', share: 12, weight: 1, levels: ['PS', 'MS', 'GS', 'CP', 'CE1', 'CE2', 'CM1', 'CM2'] },
  { type: 'college', share: 5, weight: 4, levels: ['6E', '5E', '4E', '3E'] },
  { type: 'lycee', share: 2, weight: 6, levels: ['2DE', '1RE', 'TLE'] },
  { type: 'lycee-pro', share: 1, weight: 3, levels: ['CAP1', 'CAP2', '2PRO', '1PRO', 'TPRO'] },
] as const;

export interface PlannedEstablishment {
  readonly uai: string;
  readonly type: string;
  readonly sector: 'public' | 'private';
  readonly communeCode: string;
  readonly departementCode: string;
  readonly academieCode: string;
  readonly regionCode: string;
  readonly pupils: number;
  readonly teachers: number;
  readonly divisions: number;
  readonly levels: readonly string[];
}

/** The territory of the `d`-th département: académies and régions are consecutive runs of départements. */
function territoryOf(d: number) {
  const academie = Math.floor((d * ACADEMIES) / DEPARTEMENTS.length);
  const region = Math.floor((academie * REGIONS.length) / ACADEMIES);
  return { departementCode: DEPARTEMENTS[d], academieCode: String(academie + 1).padStart(2, '0'), regionCode: REGIONS[region] };
}

/**
 * `establishments` establishments and about `people` people in them (pupils and teachers), sizes by type and
 * varied from one establishment to the next (half to one and a half of the type's size), deterministically.
 */
export function plan(establishments: number, people: number): PlannedEstablishment[] {
  const kinds = Array.from({ length: establishments }, (_, i) => TYPES.find((t, k) => i % 20 < TYPES.slice(0, k + 1).reduce((n, x) => n + x.share, 0))!);
  const variation = (i: number) => 0.5 + ((i * 7919) % 101) / 100;
  const weights = kinds.map((kind, i) => kind.weight * variation(i));
  const total = weights.reduce((a, b) => a + b, 0);
  const pupilsInAll = (people * PUPILS_PER_TEACHER) / (PUPILS_PER_TEACHER + 1);
  return kinds.map((kind, i) => {
    const d = i % DEPARTEMENTS.length;
    const territory = territoryOf(d);
    const pupils = Math.max(1, Math.round((pupilsInAll * weights[i]) / total));
    return {
      uai: uaiWithKey(`${territory.departementCode}${String(Math.floor(i / DEPARTEMENTS.length)).padStart(4, '0')}`),
      type: kind.type,
      sector: i % 5 === 4 ? 'private' : 'public',
      communeCode: `${territory.departementCode.slice(1)}${String(1 + 7 * (Math.floor(i / DEPARTEMENTS.length) % COMMUNES_PER_DEPARTEMENT)).padStart(3, '0')}`,
      ...territory,
      pupils,
      teachers: Math.max(1, Math.round(pupils / PUPILS_PER_TEACHER)),
      divisions: Math.ceil(pupils / DIVISION_SIZE),
      levels: kind.levels,
    };
  });
}

/** The planned establishments that hold no roster record yet (a seed stopped midway resumes with them). */
export async function withoutRoster(db: Kysely<Database>, planned: readonly PlannedEstablishment[]): Promise<PlannedEstablishment[]> {
  const { rows } = await sql<{ uai: string }>`select uai from establishment e where exists (select 1 from roster_record r where r.uai = e.uai)`.execute(db);
  const seeded = new Set(rows.map((r) => r.uai));
  return planned.filter((e) => !seeded.has(e.uai));
}

/** Records an establishment holds: its divisions, pupils, the pupils' memberships and its teachers. */
export const recordsOf = (e: PlannedEstablishment) => e.divisions + 2 * e.pupils + e.teachers;

/** The establishments not stored yet through the write path, `parallel` at a time. */
export async function seedEstablishments(db: Kysely<Database>, planned: readonly PlannedEstablishment[], parallel = 4): Promise<void> {
  const stored = new Set((await db.selectFrom('establishment').select('uai').execute()).map((r) => r.uai));
  planned = planned.filter((e) => !stored.has(e.uai));
  let next = 0;
  await Promise.all(Array.from({ length: parallel }, async () => {
    for (let i = next++; i < planned.length; i = next++) {
      const e = planned[i];
      await putEstablishment(db, {
        uai: e.uai, name: `ETABLISSEMENT BENCH ${i}`, type: e.type, sector: e.sector, communeCode: e.communeCode,
        departementCode: e.departementCode, academieCode: e.academieCode, regionCode: e.regionCode, holidayZone: 'A',
        sourceIds: { ramsese: e.uai },
      });
    }
  }));
}

/**
 * The roster records of some establishments, in one transaction: staged by generate_series (positions in the
 * order divisions, pupils, memberships, teachers per establishment), then stored as writeRows stores them, each
 * establishment's rows together as one batch of its own would lay them (in id order within it).
 */
export async function seedRoster(db: Kysely<Database>, chunk: readonly PlannedEstablishment[]): Promise<number> {
  const person = entityNamed('person');
  const hiddenFields = guardedFields(person).map((g) => g.field);
  const hiddenSources = [...guardedSources(person)];
  let base = 0;
  const rows = chunk.map((e) => {
    const row = { uai: e.uai, pupils: e.pupils, teachers: e.teachers, divisions: e.divisions, levels: e.levels.join(','), base };
    base += recordsOf(e);
    return row;
  });
  const at = new Date();
  const rendered = (sourceIds: string, data: string) => renderedInDatabase({
    id: sql`s.id::text`, owner: sql<string>`'"uai":' || to_json(s.uai)::text`, status: sql`'active'`, updatedAt: at,
    sourceIds: sql.raw(sourceIds), data: sql.raw(data),
  });
  await db.transaction().execute(async (trx) => {
    await sql`
      create temporary table bench_staged on commit drop as
      with plan as (
        select p.*, string_to_array(p.levels, ',') as level_list
        from json_to_recordset(${JSON.stringify(rows)}::json) as p(uai text, pupils int, teachers int, divisions int, levels text, base int)
      ),
      pupil as (
        select p.uai, p.base, p.divisions, p.pupils, k, (k - 1) / ${DIVISION_SIZE} as d,
          p.level_list[((k - 1) / ${DIVISION_SIZE}) % cardinality(p.level_list) + 1] as level
        from plan p, generate_series(1, p.pupils) k
      )
      select p.base + d as position, md5(p.uai || ':d:' || d)::uuid as id, 'group' as entity, p.uai, 'division' as kind, '{}'::jsonb as source_ids,
        jsonb_build_object('kind', 'division', 'code', lv || '-' || d, 'name', lv || ' ' || d, 'level', lv) as data
      from plan p, generate_series(0, p.divisions - 1) d, lateral (select p.level_list[d % cardinality(p.level_list) + 1] as lv) l
      union all
      select base + divisions + k - 1, md5(uai || ':p:' || k)::uuid, 'person', uai, 'pupil', jsonb_build_object('siecle', uai || '-' || k),
        jsonb_build_object('kind', 'pupil', 'familyName', 'N' || k, 'givenName', 'Élève', 'birthDate', '2013-04-02',
          'ine', upper(substr(md5(uai || ':ine:' || k), 1, 10)) || 'K', 'level', level)
      from pupil
      union all
      select p.base + p.divisions + p.pupils + k - 1, md5(p.uai || ':m:' || k)::uuid, 'membership', p.uai, 'pupil', '{}'::jsonb,
        jsonb_build_object('personId', md5(p.uai || ':p:' || k)::uuid, 'groupId', md5(p.uai || ':d:' || d)::uuid, 'role', 'pupil')
      from pupil p
      union all
      select p.base + p.divisions + 2 * p.pupils + t - 1, md5(p.uai || ':t:' || t)::uuid, 'person', p.uai, 'teacher', jsonb_build_object('sts', p.uai || '-' || t),
        jsonb_build_object('kind', 'teacher', 'familyName', 'Prof' || t, 'givenName', 'Anne', 'email', 'prof' || t || '.' || lower(p.uai) || '@example.org')
      from plan p, generate_series(1, p.teachers) t`.execute(trx);
    await sql`
      insert into source_key (uai, entity, source, source_id, record_id)
      select s.uai, s.entity, k.key, k.value, s.id from bench_staged s, jsonb_each_text(s.source_ids) k`.execute(trx);
    const first = await reserveSequence(trx, base);
    await sql`
      insert into roster_record (id, entity, uai, kind, status, source_ids, data, body, body_minimal, updated_at, seq)
      select s.id, s.entity, s.uai, s.kind, 'active', s.source_ids, s.data,
        ${rendered('s.source_ids::json', 's.data::json')},
        case when s.entity = 'person' then ${rendered(`(s.source_ids - ${sqlArray(hiddenSources)})::json`, `(s.data - ${sqlArray(hiddenFields)})::json`)} end,
        ${at}::timestamptz, ${String(first)}::int8 + s.position
      from bench_staged s order by s.uai, s.id`.execute(trx);
    await sql`
      insert into change_log (seq, entity, record_id, uai, op, changed_at)
      select ${String(first)}::int8 + position, entity, id, uai, 'upsert', ${at}::timestamptz from bench_staged`.execute(trx);
  });
  return base;
}

/** A text[] literal of plain names (field and source names: letters only). */
function sqlArray(names: readonly string[]): string {
  if (names.some((n) => !/^[A-Za-z]+$/.test(n))) throw new Error(`unexpected name in ${names.join(', ')}`);
  return `array[${names.map((n) => `'${n}'`).join(', ')}]::text[]`;
}
