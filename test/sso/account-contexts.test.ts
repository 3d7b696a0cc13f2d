// An account's people, read once for the seconds a login's requests span: a link made meanwhile shows once the
// context expires, or at once when the login that made it says so. And the daily login counts.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AccountContexts } from '../../gateway/sso/account-contexts.js';
import type { Store } from '../../gateway/store/db.js';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { applyBatch } from '../../gateway/store/records.js';
import { accountFor, countLogins, relinkAccount } from '../../gateway/store/sso/accounts.js';
import { personsBySourceId } from '../../gateway/store/sso/people.js';
import { establishment, newUai, pupil, upsert } from '../support/fixtures.js';
import { openTestStore } from '../support/store.js';

let store: Store;
const uai = newUai();

beforeAll(async () => {
  store = await openTestStore('sso_contexts');
  await putEstablishment(store.db, establishment(uai, undefined, { name: 'Collège Victor Hugo' }));
  await applyBatch(store.db, uai, [upsert('person', pupil({ sourceIds: { aaf: 'P1' } })), upsert('person', pupil({ sourceIds: { aaf: 'P2' } }))] as never);
});

afterAll(async () => {
  await store?.close();
});

it('serves an account\'s people and establishments from one read until it expires, or until a login replaces them', async () => {
  const [first] = await personsBySourceId(store.db, 'aaf', 'P1');
  const [second] = await personsBySourceId(store.db, 'aaf', 'P2');
  const { id } = await accountFor(store.db, 'educonnect', randomUUID());
  await relinkAccount(store.db, id, [first]);
  const lasting = new AccountContexts(store.db, 60_000);
  const expiring = new AccountContexts(store.db, 0);
  expect((await lasting.get(id)).people.map((p) => p.id)).toEqual([first.id]);
  expect((await lasting.get(id)).establishments.map((e) => e.name)).toEqual(['Collège Victor Hugo']);

  await relinkAccount(store.db, id, [first, second]);
  expect((await lasting.get(id)).people).toHaveLength(1);
  expect((await expiring.get(id)).people).toHaveLength(2);
  lasting.remember(id, await expiring.get(id));
  expect((await lasting.get(id)).people).toHaveLength(2);
});

it('adds logins to their day\'s counts, the same key\'s summed, across statements', async () => {
  const login = { day: '2026-12-02', uai, role: 'pupil', provider: 'educonnect', clientId: 'pas_aaaaaaaaaaaaaaaa' };
  await countLogins(store.db, [login, login, { ...login, role: 'parent' }]);
  await countLogins(store.db, [login]);
  const rows = await store.db.selectFrom('sso_login_day').select(['role', 'logins']).where('uai', '=', uai).orderBy('role').execute();
  expect(rows).toEqual([{ role: 'parent', logins: 1 }, { role: 'pupil', logins: 3 }]);
});
