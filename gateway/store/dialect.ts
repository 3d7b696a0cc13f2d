// Kysely's PostgreSQL dialect with an introspector that reads only the schema the store works in. Kysely's own
// reads every table of every schema and resolves each name again (pg_get_serial_sequence), which fails with
// "schema … does not exist" when another session creates or drops a schema at that moment: stores of other
// schemas migrating beside this one on the same server (the test suites, tenants). The migrator is the only
// reader: it asks whether its own two tables exist. Its statements are traced (traced-driver.ts).
import {
  PostgresDialect, sql,
  type DatabaseIntrospector, type DatabaseMetadata, type Driver, type Kysely, type SchemaMetadata, type TableMetadata,
} from 'kysely';
import { TracedDriver } from './traced-driver.js';

export class StoreDialect extends PostgresDialect {
  override createDriver(): Driver {
    // kysely's PostgreSQL driver has every optional method (savepoints).
    return new TracedDriver(super.createDriver() as Required<Driver>);
  }

  override createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new OwnSchemaIntrospector(db);
  }
}

/** Schemas by name, and the tables and views of the current schema by name; columns are not read (none asks). */
class OwnSchemaIntrospector implements DatabaseIntrospector {
  constructor(private readonly db: Kysely<any>) {}

  async getSchemas(): Promise<SchemaMetadata[]> {
    const { rows } = await sql<SchemaMetadata>`select nspname as name from pg_catalog.pg_namespace`.execute(this.db);
    return rows;
  }

  async getTables(): Promise<TableMetadata[]> {
    const { rows } = await sql<{ name: string; schema: string; isView: boolean }>`
      select c.relname as name, n.nspname as schema, c.relkind = 'v' as "isView"
      from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname = current_schema() and c.relkind in ('r', 'p', 'v')`.execute(this.db);
    return rows.map((row) => ({ ...row, columns: [] }));
  }

  async getMetadata(): Promise<DatabaseMetadata> {
    return { tables: await this.getTables() };
  }
}
