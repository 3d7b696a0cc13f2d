// A perimeter entry may cover some types of establishment only (`departement:069/college`: a département owns
// its collèges, not the lycées in its territory): the territory history keeps each establishment's type too,
// so that the change feed tells who could see what in the past as it does for territories.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('establishment_territory').addColumn('type', 'text').execute();
  await sql`update establishment_territory t set type = e.type from establishment e where e.uai = t.uai`.execute(db);
}
