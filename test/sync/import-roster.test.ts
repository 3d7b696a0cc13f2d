import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectorItem } from '../../connectors/kit/operation.js';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { importRoster } from '../../gateway/sync/import-roster.js';
import { establishment, LYON, newIne, newUai } from '../support/fixtures.js';
import { openTestStore } from '../support/store.js';

let store: Awaited<ReturnType<typeof openTestStore>>;
beforeAll(async () => {
  store = await openTestStore('import_roster');
});
afterAll(async () => store.close());

async function* itemsOf(pupils: { ine: string; birthDate: string }[]): AsyncGenerator<ConnectorItem> {
  for (const [i, p] of pupils.entries()) {
    yield { kind: 'operation', operation: {
      entity: 'person', record: { kind: 'pupil', familyName: `F${i}`, givenName: `G${i}`, ine: p.ine, birthDate: p.birthDate, sourceIds: { onde: p.ine } },
      position: { file: 'export.csv', line: i + 2 },
    } };
  }
}

describe('a roster import', () => {
  it('reports a refused record with its line, applies the others, and does not take it for one the export dropped', async () => {
    const uai = newUai('069');
    await putEstablishment(store.db, establishment(uai, LYON, { type: 'ecole' }));
    const pupils = [0, 1, 2].map(() => ({ ine: newIne(), birthDate: '2017-05-01' }));
    const options = { uai, source: 'onde', mode: 'complete' as const };
    expect((await importRoster(store.db, itemsOf(pupils), options)).counts.created).toBe(3);

    const withTypo = pupils.map((p, i) => (i === 1 ? { ...p, birthDate: '2017-02-31' } : p));
    const report = await importRoster(store.db, itemsOf(withTypo), options);
    expect(report).toMatchObject({ state: 'completed', counts: { created: 0, updated: 0, unchanged: 2, deleted: 0, rejected: 1 } });
    expect(report.problems).toEqual([expect.objectContaining({ file: 'export.csv', line: 3, field: 'birthDate', severity: 'error' })]);
    const active = await store.db.selectFrom('roster_record').select('id').where('uai', '=', uai).where('status', '=', 'active').execute();
    expect(active).toHaveLength(3);
  });

  it('writes nothing from a file it cannot read to its end', async () => {
    const uai = newUai('069');
    await putEstablishment(store.db, establishment(uai, LYON, { type: 'ecole' }));
    async function* broken(): AsyncGenerator<ConnectorItem> {
      yield* itemsOf([{ ine: newIne(), birthDate: '2017-05-01' }]);
      const { FileProblem } = await import('../../connectors/kit/problem.js');
      throw new FileProblem({ file: 'export.csv', line: 40, code: 'malformed-csv', severity: 'error', detail: 'the CSV cannot be read: quote not closed' });
    }
    const report = await importRoster(store.db, broken(), { uai, source: 'onde', mode: 'complete' });
    expect(report.state).toBe('failed');
    expect(report.problems).toEqual([expect.objectContaining({ line: 40, code: 'malformed-csv' })]);
    expect(await store.db.selectFrom('roster_record').select('id').where('uai', '=', uai).execute()).toEqual([]);
  });
});

describe('lenient identifiers', () => {
  it('import a pupil whose INE key does not check out, with a warning, where a strict import refuses it', async () => {
    const uai = newUai('069');
    await putEstablishment(store.db, establishment(uai, LYON, { type: 'ecole' }));
    const invented = [{ ine: '1234567890A', birthDate: '2017-05-01' }];
    const strict = await importRoster(store.db, itemsOf(invented), { uai, source: 'onde', mode: 'complete' });
    expect(strict.counts).toMatchObject({ created: 0, rejected: 1 });
    const lenient = await importRoster(store.db, itemsOf(invented), { uai, source: 'onde', mode: 'complete', lenientIdentifiers: true });
    expect(lenient.counts).toMatchObject({ created: 1, rejected: 0 });
    expect(lenient.problems).toEqual([expect.objectContaining({ line: 2, field: 'ine', code: 'identifier-key', severity: 'warning' })]);
  });
});
