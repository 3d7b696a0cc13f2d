// bench/aggregates' floors: the bare SQL someone would write instead of the gateway, computing the same numbers.
//   refresh: the facts of every establishment (or of some) straight from the records, in one statement of
//            set-wise GROUP BYs over roster_record (no per-establishment lateral, no write of the results);
//   cells:   a territory's cells by some dimensions, every margin: one GROUP BY CUBE over establishment_fact
//            joined to establishment, filtered on the territory's column.

/** Dimensions the bench asks for, and their columns. */
export const FLOOR_COLUMNS = {
  region: 'e.region_code', departement: 'e.departement_code', commune: 'e.commune_code', level: 'l.level',
} as const;
export type FloorDimension = keyof typeof FLOOR_COLUMNS;

/** The facts' numbers per establishment from the records; `$1` (text[]) restricts it to some when `some`. */
export function refreshFloorSql(some: boolean): string {
  const only = some ? 'and uai = any($1::text[])' : '';
  return `
    with people as (
      select uai, coalesce(data->>'level', 'unknown') as level,
        count(*) filter (where kind = 'pupil') as pupils, count(*) filter (where kind = 'teacher') as teachers
      from roster_record where entity = 'person' and status = 'active' ${only} group by 1, 2
    ), divisions as (
      select uai, count(*) as divisions from roster_record
      where entity = 'group' and kind = 'division' and status = 'active' ${only} group by 1
    ), placed as (
      select m.uai, count(distinct g.id) as divisions, count(distinct m.data->>'personId') as pupils
      from roster_record m join roster_record g on g.uai = m.uai and g.id = (m.data->>'groupId')::uuid
      where m.entity = 'membership' and m.kind = 'pupil' and m.status = 'active' ${only.replace('uai', 'm.uai')}
        and g.entity = 'group' and g.kind = 'division' and g.status = 'active'
      group by 1
    ), by_establishment as (
      select uai, sum(pupils) as pupils, sum(teachers) as teachers,
        coalesce(jsonb_object_agg(level, pupils) filter (where pupils > 0), '{}') as pupils_by_level
      from people group by 1
    )
    select e.uai, coalesce(p.pupils, 0) as pupils, coalesce(p.teachers, 0) as teachers, coalesce(d.divisions, 0) as divisions,
      coalesce(pl.divisions, 0) as divisions_with_pupils, coalesce(pl.pupils, 0) as pupils_in_divisions,
      coalesce(p.pupils_by_level, '{}') as pupils_by_level
    from establishment e
      left join by_establishment p on p.uai = e.uai
      left join divisions d on d.uai = e.uai
      left join placed pl on pl.uai = e.uai
    where e.status = 'active' ${only.replace('uai', 'e.uai')}`;
}

/** The cells of a territory (`column = $1`, or the nation when `column` is absent) by `by`, every margin. */
export function cellsFloorSql(territory: { column: 'departement_code' | 'region_code' } | 'national', by: readonly FloorDimension[]): string {
  const columns = by.map((d) => FLOOR_COLUMNS[d]);
  const byLevel = by.includes('level');
  return `
    select ${[...columns, ...columns.map((c) => `grouping(${c})`)].join(', ')}${columns.length ? ',' : ''}
      count(distinct f.uai) as establishments, sum(${byLevel ? 'l.n::int' : 'f.pupils'}) as pupils, sum(f.teachers) as teachers,
      sum(f.divisions) as divisions, sum(f.divisions_with_pupils) as divisions_with_pupils, sum(f.pupils_in_divisions) as pupils_in_divisions
    from establishment_fact f join establishment e on e.uai = f.uai
      ${byLevel ? 'cross join lateral jsonb_each_text(f.pupils_by_level) as l(level, n)' : ''}
    where e.status = 'active'${territory === 'national' ? '' : ` and e.${territory.column} = $1`}
    group by ${columns.length ? `cube(${columns.join(', ')})` : '()'}`;
}
