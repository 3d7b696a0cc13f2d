import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectorItem } from '../../connectors/kit/operation.js';
import { putEstablishment } from '../../gateway/store/establishments.js';
import type { PerimeterEntry } from '../../gateway/perimeter/perimeter.js';
import { importAnnuaire } from '../../gateway/sync/import-annuaire.js';
import { importRoster } from '../../gateway/sync/import-roster.js';
import { ImportRequestError } from '../../gateway/sync/importer.js';
import { ondeImporter } from '../../gateway/sync/import-onde.js';
import { ondePupils } from '../support/onde-export.js';
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

describe('the école of an ONDE import', () => {
  const school = ondePupils(3, '10190');
  const onde = (uai: string, perimeter: PerimeterEntry[] = [{ kind: 'national' }]) => ondeImporter.run(store.db, {
    files: [{ name: 'eleves.csv', open: async function* () { yield school.exportOf(school.all); } }],
    uai, mode: 'complete', confirmed: false, lenientIdentifiers: false, perimeter,
  });
  const stored = async (uai: string) => store.db.selectFrom('establishment').select(['data', 'source_ids']).where('uai', '=', uai).executeTakeFirst();

  it('is created from its UAI when the store does not know it, placed by the UAI\'s département, and gets its pupils', async () => {
    const uai = newUai('069');
    const outcome = await onde(uai);
    expect(outcome.establishments).toEqual([expect.objectContaining({ uai, state: 'completed', counts: expect.objectContaining({ created: expect.any(Number) }) })]);
    expect(await stored(uai)).toEqual({
      data: { name: uai, type: 'ecole', sector: 'public', departementCode: '069', academieCode: '10', regionCode: '84', holidayZone: 'A', timeZone: 'Europe/Paris' },
      source_ids: { onde: uai },
    });
    expect(outcome.problems).toEqual([expect.objectContaining({ code: 'establishment-incomplete', severity: 'warning', detail: expect.stringContaining('name, sector, commune') })]);
  });

  it("stores the responsables an export names: siblings' mother once, with her contacts, linked to both as mother", async () => {
    const uai = newUai('069');
    const families = ondePupils(4, '10191', { guardians: true });
    const outcome = await ondeImporter.run(store.db, {
      files: [{ name: 'eleves.csv', open: async function* () { yield families.exportOf(families.all); } }],
      uai, mode: 'complete', confirmed: false, lenientIdentifiers: false, perimeter: [{ kind: 'national' }],
    });
    expect(outcome.problems.filter((p) => p.severity === 'error')).toEqual([]);
    const rows = await store.db.selectFrom('roster_record').select(['id', 'entity', 'kind', 'data']).where('uai', '=', uai).where('status', '=', 'active').execute();
    const guardians = rows.filter((r) => r.entity === 'person' && r.kind === 'guardian');
    expect(guardians.map((g) => g.data)).toContainEqual({
      kind: 'guardian', familyName: 'Famille0', givenName: 'Mère0', email: 'mere0@example.org',
      address: { lines: ['1 rue des Écoles'], postalCode: '69003', city: 'LYON', country: 'FRANCE' }, phones: [{ type: 'mobile', number: '06 39 98 00 00' }],
    });
    expect(guardians).toHaveLength(2);
    const links = rows.filter((r) => r.entity === 'guardianLink').map((r) => r.data as Record<string, unknown>);
    expect(links).toHaveLength(4);
    expect(links.every((l) => l.relationship === 'mother' && l.legalRepresentative === true)).toBe(true);
    // CE2 and CM1 pupils each have their own level.
    expect(rows.filter((r) => r.entity === 'person' && r.kind === 'pupil').map((r) => (r.data as { level: string }).level).sort()).toEqual(['CE2', 'CE2', 'CM1', 'CM1']);
  });

  it('keeps what the national directory set of a known école, and a later directory import completes one ONDE created', async () => {
    const uai = newUai('069');
    const directory = establishment(uai, LYON, { type: 'ecole', name: 'École des Tilleuls', sector: 'private', sourceIds: { annuaire: uai } });
    await putEstablishment(store.db, directory);
    await onde(uai);
    const { uai: _uai, sourceIds: _ids, ...set } = directory;
    expect(await stored(uai)).toEqual({ data: { ...set, timeZone: 'Europe/Paris' }, source_ids: { annuaire: uai, onde: uai } });

    const created = newUai('069');
    await onde(created);
    const csv = 'identifiant_de_l_etablissement;nom_etablissement;type_etablissement;statut_public_prive;code_commune;nom_commune;code_departement;code_region;code_academie\n'
      + `${created};École des Lilas;Ecole;Public;69123;Lyon;069;84;10\n`;
    await importAnnuaire(store.db, (async function* () { yield Buffer.from(csv); })(), { file: 'annuaire.csv' });
    expect(await stored(created)).toMatchObject({ data: { name: 'École des Lilas', communeCode: '69123', communeName: 'Lyon' }, source_ids: { onde: created, annuaire: created } });
  });

  it('is refused outside the submitter\'s perimeter, in the same words whether it exists or not', async () => {
    const [known, unknown] = [newUai('069'), newUai('069')];
    await putEstablishment(store.db, establishment(known, LYON, { type: 'ecole' }));
    for (const uai of [known, unknown]) {
      await expect(onde(uai, [{ kind: 'departement', code: '001' }])).rejects.toThrow(
        new ImportRequestError(`establishment ${uai} is outside what this import may write; its records are left out`),
      );
    }
    expect(await stored(unknown)).toBeUndefined();
    expect(await store.db.selectFrom('roster_record').select('id').where('uai', '=', known).execute()).toEqual([]);
  });
});
