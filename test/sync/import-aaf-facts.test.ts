// An AAF delivery shaped like a real one (test/fixtures/aaf: the attribute set and order of an académie's
// ficAlimMENESR files, invented people) carries the roster facts beyond names: guardians' contacts and
// relationships, each pupil's level, staff functions and what each teacher teaches in each class or group.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importAaf } from '../../gateway/sync/import-aaf.js';
import type { SourceFile } from '../../gateway/sync/importer.js';
import { openTestStore } from '../support/store.js';

let store: Awaited<ReturnType<typeof openTestStore>>;
beforeAll(async () => {
  store = await openTestStore('import_aaf_facts');
});
afterAll(async () => store.close());

const FOLDER = new URL('../fixtures/aaf/', import.meta.url);
const UAI = '0693412J';

function delivery(): SourceFile[] {
  return fs.readdirSync(FOLDER).sort().map((name) => {
    const bytes = fs.readFileSync(new URL(name, FOLDER));
    return { name, size: bytes.length, open: async function* () { yield bytes; } };
  });
}

async function records(entity: string) {
  const rows = await store.db.selectFrom('roster_record').select(['id', 'data', 'source_ids']).where('uai', '=', UAI).where('entity', '=', entity).where('status', '=', 'active').execute();
  return rows.map((r) => ({ id: r.id, data: r.data as Record<string, unknown>, aaf: (r.source_ids as Record<string, string>).aaf }));
}

describe('the roster facts of an AAF delivery', () => {
  it("reads guardians' contacts and relationships, pupils' levels, staff functions and teachers' subjects per class or group", async () => {
    const report = await importAaf(store.db, { files: delivery(), mode: 'complete', confirmed: false, lenientIdentifiers: false, perimeter: [{ kind: 'national' }] });
    // Link code 9 is none AAF defines: the link is kept as `other`, with a warning naming where.
    expect(report.problems).toEqual([{
      file: 'ENT_Complet_20261123_Eleve_0000.xml', line: expect.any(Number), field: 'ENTElevePersRelEleve', code: 'unknown-relationship', severity: 'warning',
      detail: 'ENTElevePersRelEleve is "9", which is no known relationship code; taken as "other"',
    }]);
    const people = new Map((await records('person')).map((p) => [p.aaf, p]));

    expect(people.get('3100001')!.data).toMatchObject({
      address: { lines: ['12 RUE DES LILAS', 'BATIMENT B'], postalCode: '69003', city: 'LYON', country: 'FRANCE' },
      phones: [{ type: 'home', number: '0465710001' }, { type: 'mobile', number: '0639980001' }], email: 'julie.garnier@example.org',
    });
    expect(people.get('3100002')!.data.phones).toEqual([{ type: 'home', number: '0465710001' }, { type: 'work', number: '0465710002' }]);
    // Placeholders only and an empty address: no contact fields at all.
    expect(people.get('3100004')!.data).not.toHaveProperty('phones');
    expect(people.get('3100004')!.data).not.toHaveProperty('address');

    const byId = new Map([...people.values()].map((p) => [p.id, p.aaf]));
    const links = (await records('guardianLink')).map((l) => [byId.get(l.data.guardianId as string), byId.get(l.data.pupilId as string), l.data.relationship, l.data.legalRepresentative]);
    expect(links.sort()).toEqual([
      ['3100001', '2100001', 'mother', true], ['3100001', '2100002', 'mother', true],
      ['3100002', '2100001', 'father', true], ['3100002', '2100002', 'father', true],
      ['3100003', '2100003', 'tutor', true], ['3100004', '2100003', 'other', false],
    ]);

    // Each pupil's own level; the SEGPA class takes its year.
    expect(['2100001', '2100002', '2100003'].map((id) => [people.get(id)!.data.level, people.get(id)!.data.levelSource]))
      .toEqual([['5E', '10110001110'], ['3E', '16710002110'], ['5E', '10110001110']]);
    const groups = new Map((await records('group')).map((g) => [g.data.code, g]));
    expect([groups.get('5A')!.data.level, groups.get('3S1')!.data.level]).toEqual(['5E', '3E']);

    expect(people.get('4100001')!.data.functions).toEqual([{ code: 'ENS', label: 'ENSEIGNEMENT', disciplineCode: 'L1300', disciplineLabel: 'MATHEMATIQUES' }]);
    expect(people.get('4100002')!.data).toMatchObject({ kind: 'staff', functions: [{ code: 'DIR', label: 'DIRECTION' }] });

    const subjects = new Map((await records('subject')).map((s) => [s.id, s.data.code]));
    const taught = (await records('membership')).filter((m) => m.data.role === 'teacher')
      .map((m) => [[...groups.values()].find((g) => g.id === m.data.groupId)!.data.code, (m.data.subjectIds as string[]).map((id) => subjects.get(id))]);
    expect(taught.sort()).toEqual([['3S1', ['061300', '020700']], ['5A', ['061300']], ['LATIN', ['021100']]]);

    // The same delivery again changes nothing: array links compare as they are stored.
    const again = await importAaf(store.db, { files: delivery(), mode: 'complete', confirmed: false, lenientIdentifiers: false, perimeter: [{ kind: 'national' }] });
    expect(again.establishments[0].counts).toMatchObject({ created: 0, updated: 0, deleted: 0 });
  });
});
