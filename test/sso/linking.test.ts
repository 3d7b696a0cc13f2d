// From join keys to roster people, on a real store: by a source id in any establishment, by a FrEduVecteur,
// by the hash of the stored INE; a parent's vector finds the guardian of that pupil with the vector's names;
// two people of one kind in one establishment are ambiguous, and nobody is chosen.
import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAmbiguous, linkIdentity, peopleOf } from '../../gateway/sso/linking.js';
import type { JoinKey, UpstreamIdentity } from '../../gateway/sso/identity.js';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { applyBatch } from '../../gateway/store/records.js';
import type { Store } from '../../gateway/store/db.js';
import { establishment, guardian, newIne, newUai, pupil, upsert } from '../support/fixtures.js';
import { openTestStore } from '../support/store.js';

let store: Store;
const uai = newUai();
const ine = newIne();
const lea = pupil({ givenName: 'Léa', ine, sourceIds: { aaf: 'A-LEA', siecle: '1001' } });
const tom = pupil({ givenName: 'Tom', familyName: 'Durand', sourceIds: { aaf: 'A-TOM', siecle: '1002' } });
const mother = guardian({ givenName: 'Claire', familyName: 'Martin', sourceIds: { aaf: 'A-CLAIRE' } });
const father = guardian({ givenName: 'Marc', familyName: 'Martin', sourceIds: { aaf: 'A-MARC' } });

beforeAll(async () => {
  store = await openTestStore('sso_linking');
  await putEstablishment(store.db, establishment(uai));
  await applyBatch(store.db, uai, [
    upsert('person', lea), upsert('person', tom), upsert('person', mother), upsert('person', father),
    upsert('guardianLink', { id: randomUUID(), guardianId: mother.id, pupilId: lea.id, legalRepresentative: true }),
    upsert('guardianLink', { id: randomUUID(), guardianId: father.id, pupilId: lea.id, legalRepresentative: true }),
  ] as never);
});

afterAll(async () => {
  await store?.close();
});

const identity = (keys: JoinKey[], role?: UpstreamIdentity['role']): UpstreamIdentity => ({
  provider: 'educonnect', subject: randomUUID(), givenName: undefined, familyName: undefined, role, keys, session: {},
});
const ids = async (keys: JoinKey[], role?: UpstreamIdentity['role']) => (await peopleOf(store.db, identity(keys, role))).map((p) => p.id);

describe('join keys', () => {
  it('finds a person by a source id, a pupil by its vector and by the MD5 of its INE', async () => {
    expect(await ids([{ kind: 'source-id', source: 'aaf', value: 'A-LEA' }])).toEqual([lea.id]);
    expect(await ids([{ kind: 'vector', source: 'siecle', pupilId: '1001', uai }])).toEqual([lea.id]);
    expect(await ids([{ kind: 'ine-hash', algorithm: 'md5', value: createHash('md5').update(ine).digest('hex') }])).toEqual([lea.id]);
    expect(await ids([{ kind: 'vector', source: 'siecle', pupilId: '1001', uai: newUai() }])).toEqual([]);
  });

  it('finds a parent through their child\'s vector and their own names, never by names alone', async () => {
    expect(await ids([{ kind: 'vector', source: 'siecle', pupilId: '1001', uai, guardian: { familyName: 'MARTIN', givenName: 'claire' } }])).toEqual([mother.id]);
    expect(await ids([{ kind: 'vector', source: 'siecle', pupilId: '1002', uai, guardian: { familyName: 'Martin', givenName: 'Claire' } }])).toEqual([]);
  });

  it('keeps only the people of the role the provider asserts', async () => {
    expect(await ids([{ kind: 'source-id', source: 'aaf', value: 'A-CLAIRE' }], 'pupil')).toEqual([]);
  });

  it('calls two pupils in one establishment ambiguous and links no one', async () => {
    const keys: JoinKey[] = [{ kind: 'source-id', source: 'aaf', value: 'A-LEA' }, { kind: 'source-id', source: 'aaf', value: 'A-TOM' }];
    const people = await peopleOf(store.db, identity(keys));
    expect(isAmbiguous(people)).toBe(true);
    expect((await linkIdentity(store.db, identity(keys))).kind).toBe('ambiguous');
    expect((await linkIdentity(store.db, identity([{ kind: 'source-id', source: 'aaf', value: 'NOBODY' }]))).kind).toBe('unknown');
  });
});
