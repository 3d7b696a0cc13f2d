// An establishment a roster source describes before the national directory does (AAF, STS-Web, ONDE) may be
// known by its académie alone: its commune, and for an invented test UAI its département, wait for the
// directory. Those columns take nulls, which no commune or département perimeter covers.
import type { Kysely } from 'kysely';

const TABLES = ['establishment', 'establishment_territory'];
const COLUMNS = ['commune_code', 'departement_code'];

export async function up(db: Kysely<any>): Promise<void> {
  for (const table of TABLES) {
    for (const column of COLUMNS) await db.schema.alterTable(table).alterColumn(column, (c) => c.dropNotNull()).execute();
  }
}
