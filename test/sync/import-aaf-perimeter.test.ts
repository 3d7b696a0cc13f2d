// An AAF delta submitted over HTTP sees only its submitter's perimeter: a modifyRequest naming a pupil of
// another establishment, with a structure of the caller's own, neither moves nor copies it, and the report says
// the same as for an AAF id that exists nowhere.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../gateway/observability/logger.js';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { importAaf } from '../../gateway/sync/import-aaf.js';
import type { SourceFile } from '../../gateway/sync/importer.js';
import { startSyncWorker } from '../../gateway/sync/jobs/service.js';
import { ineWithKey } from '../../gateway/model/identifiers.js';
import { api, type Api } from '../support/api.js';
import { createClientWithToken } from '../support/clients.js';
import { BOURG, establishment, LYON, newUai } from '../support/fixtures.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

interface Job { id: string; state: string; links: { report: string } }
interface Problem { code: string; severity: string; detail: string }

const attr = (name: string, ...values: string[]) => `<attr name="${name}">${values.map((v) => `<value>${v}</value>`).join('')}</attr>`;
const add = (category: string, kind: string, id: string, attrs: string[]) =>
  `<addRequest><operationalAttributes>${attr(kind, category)}</operationalAttributes><identifier><id>${id}</id></identifier><attributes>${attrs.join('')}</attributes></addRequest>`;
const modify = (id: string, changes: [string, string][]) =>
  `<modifyRequest><operationalAttributes>${attr('categoriePersonne', 'Eleve')}</operationalAttributes><identifier><id>${id}</id></identifier><modifications>${changes.map(([name, value]) => `<modification name="${name}" operation="replace"><value>${value}</value></modification>`).join('')}</modifications></modifyRequest>`;
const xml = (requests: string[]) => Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n<ficAlimMENESR>${requests.join('')}</ficAlimMENESR>\n`);
const file = (name: string, requests: string[]): SourceFile => ({ name, open: async function* () { yield xml(requests); } });

const [mine, theirs] = [newUai('069'), newUai('001')];
const ine = ineWithKey('1018777001');
const pupil = (id: string, structure: string, guardian: string) => add('Eleve', 'categoriePersonne', id, [
  attr('sn', 'MARTIN'), attr('givenName', 'Léa'), attr('ENTEleveINE', id === '2900001' ? ine : ineWithKey('1018777002')), attr('ENTPersonDateNaissance', '14/03/2013'),
  attr('ENTPersonStructRattach', structure), attr('ENTEleveClasses', `${structure}$5B`), attr('ENTElevePersRelEleve', `${guardian}$10$1$1$1$1`),
]);
/** A complete delivery of one pupil and its guardian in one establishment, as the operator imports it. */
const delivery = (jointure: string, uai: string, pupilId: string, guardianId: string) => [
  file('ENT_Complet_20261123_EtabEducNat_0000.xml', [add('EtabEducNat', 'categorieStructure', jointure, [attr('ENTStructureJointure', jointure), attr('ENTStructureUAI', uai)])]),
  file('ENT_Complet_20261123_Eleve_0000.xml', [pupil(pupilId, jointure, guardianId)]),
  file('ENT_Complet_20261123_PersRelEleve_0000.xml', [add('PersRelEleve', 'categoriePersonne', guardianId, [attr('sn', 'MARTIN'), attr('givenName', 'Anne')])]),
];

let t: TestGateway;
let worker: { close(): Promise<void> };
let caller: Api;

beforeAll(async () => {
  t = await startTestGateway('import_aaf_perimeter');
  const db = t.gateway.store.db;
  worker = await startSyncWorker(t.gateway.config, db, createLogger('silent'));
  await putEstablishment(db, establishment(mine, LYON));
  await putEstablishment(db, establishment(theirs, BOURG));
  for (const [jointure, uai, pupilId, guardianId] of [['59000', theirs, '2900001', '3900001'], ['58000', mine, '2800001', '3800001']]) {
    await importAaf(db, { files: delivery(jointure, uai, pupilId, guardianId), mode: 'complete', confirmed: true, lenientIdentifiers: false, perimeter: [{ kind: 'national' }] });
  }
  caller = api(t.baseUrl, (await createClientWithToken(db, t.baseUrl, { scopes: ['sync.write', 'roster.read', 'roster.identifiers'], perimeter: [`uai:${mine}`] })).token);
}, 60_000);
afterAll(async () => {
  await worker?.close();
  await t?.close();
});

async function deltaJob(requests: string[]): Promise<{ job: Job; problems: Problem[] }> {
  const answer = await caller.request<Job>('POST', '/v1/sync/jobs?connector=aaf&mode=delta&filename=ENT_Delta_20261124_Eleve_0000.xml', {
    body: xml(requests), headers: { 'content-type': 'application/xml' },
  });
  expect(answer.status).toBe(202);
  for (let i = 0; i < 600; i += 1) {
    const job = (await caller.get<Job>(`/v1/sync/jobs/${answer.body.id}`)).body;
    if (!['queued', 'running'].includes(job.state)) {
      const report = await caller.get<{ problems: Problem[] }>(job.links.report.replace(t.baseUrl, ''));
      return { job, problems: report.body.problems };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the job did not settle');
}

describe('an AAF delta submitted by a client of one establishment', () => {
  it('does not bring a pupil of another perimeter into the caller\'s establishment, and its report tells nothing of where it is', async () => {
    const { problems } = await deltaJob([modify('2900001', [['ENTPersonStructRattach', '58000'], ['ENTEleveClasses', '58000$5B']])]);
    const people = await caller.get<{ data: { ine?: string; sourceIds: Record<string, string> }[] }>(`/v1/establishments/${mine}/people?limit=1000`);
    expect(people.status).toBe(200);
    expect(people.body.data.map((p) => p.sourceIds.aaf).sort()).toEqual(['2800001', '3800001']);
    expect(people.body.data.some((p) => p.ine === ine)).toBe(false);
    // Stayed where it was.
    const stored = await t.gateway.store.db.selectFrom('roster_record').select('uai').where('entity', '=', 'person').where('status', '=', 'active')
      .where(sql<boolean>`source_ids->>'aaf' = '2900001'`).execute();
    expect(stored).toEqual([{ uai: theirs }]);

    // Word for word what an AAF id that exists nowhere gets.
    const nowhere = await deltaJob([modify('2999999', [['ENTPersonStructRattach', '58000'], ['ENTEleveClasses', '58000$5B']])]);
    expect(problems.map((p) => ({ ...p, detail: p.detail.replace('2900001', 'ID') })))
      .toEqual(nowhere.problems.map((p) => ({ ...p, detail: p.detail.replace('2999999', 'ID') })));
    expect(JSON.stringify(problems)).not.toContain(theirs);
    expect(problems).toEqual([expect.objectContaining({ code: 'unknown-record', severity: 'warning' })]);
  });
});
