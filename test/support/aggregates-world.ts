// The establishments the aggregates tests count: a collège in Lyon (30 pupils in two classes, 4 teachers), one
// in Villeurbanne (12 pupils, 3 teachers), a lycée in Bourg (5 pupils: a small group, 12 teachers) and an école in
// Paris (25 pupils, 2 teachers); 72 pupils in 5 classes (a mean of 14.4), 21 teachers. Facts refreshed.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { refreshFacts } from '../../gateway/store/aggregates/facts.js';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { applyBatch } from '../../gateway/store/records.js';
import type { Database } from '../../gateway/store/tables.js';
import { BOURG, division, establishment, LYON, newUai, PARIS, pupil, upsert, VILLEURBANNE } from './fixtures.js';

/** `count` pupils of `level` in one new division, and `teachers` teachers. */
export function school(count: number, level: string, teachers: number) {
  const klass = division(`${level}-${randomUUID().slice(0, 4)}`, { level });
  const pupils = Array.from({ length: count }, () => pupil({ level }));
  return [
    upsert('group', klass),
    ...pupils.flatMap((p) => [upsert('person', p), upsert('membership', { id: randomUUID(), personId: p.id, groupId: klass.id, role: 'pupil' })]),
    ...Array.from({ length: teachers }, () => upsert('person', { id: randomUUID(), kind: 'teacher', familyName: 'Prof', givenName: 'Anne' })),
  ];
}

export async function seedAggregatesWorld(db: Kysely<Database>): Promise<{ lyon: string; villeurbanne: string; bourg: string; paris: string }> {
  const places = { lyon: newUai('069'), villeurbanne: newUai('069'), bourg: newUai('001'), paris: newUai('075') };
  await putEstablishment(db, establishment(places.lyon, LYON));
  await putEstablishment(db, establishment(places.villeurbanne, VILLEURBANNE));
  await putEstablishment(db, establishment(places.bourg, BOURG, { type: 'lycee', name: 'Lycée Lalande' }));
  await putEstablishment(db, establishment(places.paris, PARIS, { type: 'ecole', name: 'École Vaugirard' }));
  await applyBatch(db, places.lyon, [...school(15, '6E', 4), ...school(15, '5E', 0)] as never);
  await applyBatch(db, places.villeurbanne, school(12, '6E', 3) as never);
  await applyBatch(db, places.bourg, school(5, '2DE', 12) as never);
  await applyBatch(db, places.paris, school(25, 'CM2', 2) as never);
  await refreshFacts(db);
  return places;
}
