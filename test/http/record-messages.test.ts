// What a refused record is told: an impossible date is "not a day of the calendar", a bad INE key names the
// key expected, and a refused record brings no second error on the records that link to it, whether it
// comes through the batch endpoint or an import.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectorItem } from '../../connectors/kit/operation.js';
import { ineWithKey } from '../../gateway/model/identifiers.js';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { importRoster } from '../../gateway/sync/import-roster.js';
import { api, type Api } from '../support/api.js';
import { createClientWithToken } from '../support/clients.js';
import { division, establishment, LYON, newUai, pupil, upsert } from '../support/fixtures.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

interface Problem { type: string; status: number; detail: string; errors: { pointer: string; detail: string }[] }

let t: TestGateway;
let writer: Api;
const uai = newUai('069');

beforeAll(async () => {
  t = await startTestGateway('record_messages');
  await putEstablishment(t.gateway.store.db, establishment(uai, LYON));
  writer = api(t.baseUrl, (await createClientWithToken(t.gateway.store.db, t.baseUrl, { scopes: ['sync.write', 'roster.read'], perimeter: [`uai:${uai}`] })).token);
});
afterAll(async () => t?.close());

const batch = (records: unknown[]) => writer.post<Problem>(`/v1/establishments/${uai}/batch`, { records });

describe('messages for impossible values', () => {
  it('says that 2014-02-30 is not a day of the calendar', async () => {
    const answer = await batch([upsert('person', pupil({ birthDate: '2014-02-30' }))]);
    expect(answer.status).toBe(400);
    expect(answer.body.type).toBe(`${t.baseUrl}/problems/validation`);
    expect(answer.body.errors).toEqual([{ pointer: '/records/0/record/birthDate', detail: 'is not a day of the calendar (got "2014-02-30")' }]);
  });

  it('still asks for YYYY-MM-DD when the date is written another way', async () => {
    const answer = await batch([upsert('person', pupil({ birthDate: '30/02/2014' }))]);
    expect(answer.body.errors).toEqual([{ pointer: '/records/0/record/birthDate', detail: 'must be a date as YYYY-MM-DD (got "30/02/2014")' }]);
  });

  it('names the key a bad INE should end with, as for a UAI', async () => {
    const good = ineWithKey('0494004062');
    const bad = `${good.slice(0, 10)}${good[10] === 'A' ? 'B' : 'A'}`;
    const answer = await batch([upsert('person', pupil({ ine: bad }))]);
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([{ pointer: '/records/0/record/ine', detail: `must be an INE: 11 characters with a valid key, such as 0494004062M (got "${bad}"; its key should be ${good[10]})` }]);
  });
});

describe('a refused record in a batch', () => {
  it('brings no second error on a membership that links to it by source id', async () => {
    const refused = pupil({ id: undefined, birthDate: '2014-02-30', sourceIds: { sis: `P-${randomUUID()}` } });
    const group = division('6A', { id: undefined, sourceIds: { sis: `G-${randomUUID()}` } });
    const answer = await batch([
      upsert('person', refused),
      upsert('group', group),
      { entity: 'membership', op: 'upsert', record: { sourceIds: { sis: `M-${randomUUID()}` }, role: 'pupil' },
        links: { personId: { source: 'sis', id: (refused.sourceIds as { sis: string }).sis }, groupId: { source: 'sis', id: (group.sourceIds as { sis: string }).sis } } },
    ]);
    expect(answer.status).toBe(400);
    expect(answer.body.type).toBe(`${t.baseUrl}/problems/validation`);
    expect(answer.body.errors).toEqual([{ pointer: '/records/0/record/birthDate', detail: 'is not a day of the calendar (got "2014-02-30")' }]);
  });

  it('brings no second error on a membership that links to it by id', async () => {
    const refused = pupil({ birthDate: '2014-02-30' });
    const group = division('6B');
    const answer = await batch([
      upsert('person', refused),
      upsert('group', group),
      upsert('membership', { id: randomUUID(), personId: refused.id, groupId: group.id, role: 'pupil' }),
    ]);
    expect(answer.status).toBe(400);
    expect(answer.body.errors.map((e) => e.pointer)).toEqual(['/records/0/record/birthDate']);
  });
});

describe('a refused record in an import', () => {
  it('is the one problem reported: its memberships are left out with it, the rest is written', async () => {
    const school = newUai('069');
    await putEstablishment(t.gateway.store.db, establishment(school, LYON));
    async function* items(): AsyncGenerator<ConnectorItem> {
      const at = (line: number) => ({ file: 'export.csv', line });
      yield { kind: 'operation', operation: { entity: 'person', record: { kind: 'pupil', familyName: 'Martin', givenName: 'Léa', birthDate: '2014-02-30', sourceIds: { sis: 'P1' } }, position: at(2) } };
      yield { kind: 'operation', operation: { entity: 'person', record: { kind: 'pupil', familyName: 'Durand', givenName: 'Noé', birthDate: '2014-03-01', sourceIds: { sis: 'P2' } }, position: at(3) } };
      yield { kind: 'operation', operation: { entity: 'group', record: { kind: 'division', code: '6A', name: '6A', sourceIds: { sis: 'G1' } }, position: at(4) } };
      for (const [line, person] of [[5, 'P1'], [6, 'P2']] as const) {
        yield { kind: 'operation', operation: {
          entity: 'membership', record: { role: 'pupil', sourceIds: { sis: `M-${person}` } },
          links: { personId: { source: 'sis', id: person }, groupId: { source: 'sis', id: 'G1' } }, position: at(line),
        } };
      }
    }
    const report = await importRoster(t.gateway.store.db, items(), { uai: school, source: 'sis', mode: 'complete' });
    expect(report.state).toBe('completed');
    expect(report.problems).toEqual([expect.objectContaining({ line: 2, field: 'birthDate', severity: 'error', detail: expect.stringContaining('is not a day of the calendar') })]);
    expect(report.counts).toMatchObject({ created: 3, rejected: 1 });
  });
});
