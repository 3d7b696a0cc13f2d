// bench/roster's store: the demo generator's establishments and people in a schema of the bench's own, seeded once
// and reused by later runs of the same size (bench/roster and bench/scale).
import { seedDemo } from '../../gateway/demo/seed.js';
import { createClient } from '../../gateway/auth/clients.js';
import { openStore } from '../../gateway/store/db.js';

export interface RosterSize {
  readonly establishments: number;
  readonly people: number;
}

/** The store seeded; a client reading the national roster, and the establishment with the most people (the page measured). */
export interface SeededRoster {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly busiest: { readonly uai: string; readonly people: number };
}

export async function seedRoster(databaseUrl: string, schema: string, size: RosterSize): Promise<SeededRoster> {
  const store = await openStore({ databaseUrl, databaseSchema: schema, dataDir: '' });
  try {
    await store.migrate();
    const { n } = await store.db.selectFrom('roster_record').select((eb) => eb.fn.countAll<string>().as('n')).where('entity', '=', 'person').executeTakeFirstOrThrow();
    if (Number(n) >= size.people) console.log(`seed: reusing ${n} people in schema ${schema}`);
    else {
      console.log(`seed: ${size.establishments} establishments, ${size.people} people into schema ${schema}...`);
      const result = await seedDemo(store.db, { ...size, seed: 7 }, (p) => {
        process.stdout.write(`\r  ${p.establishmentsDone}/${p.establishmentsTotal} establishments, ${p.peopleDone} people`);
      });
      console.log(`\n  seeded in ${(result.elapsedMs / 1000).toFixed(1)} s`);
    }
    const { client, clientSecret } = await createClient(store.db, { name: 'bench', scopes: ['roster.read'], perimeter: ['national'] });
    const busiest = await store.db.selectFrom('roster_record').select(['uai', (eb) => eb.fn.countAll<string>().as('n')])
      .where('entity', '=', 'person').groupBy('uai').orderBy('n', 'desc').limit(1).executeTakeFirstOrThrow();
    return { clientId: client.clientId, clientSecret: clientSecret!, busiest: { uai: busiest.uai, people: Number(busiest.n) } };
  } finally {
    await store.close();
  }
}
