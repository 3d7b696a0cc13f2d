// The demo as a newcomer meets it: the credentials ensureDemoData returns get a token at the running gateway's
// token endpoint, and that token lists the demo's establishments and their pupils through the API.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemo } from '../../gateway/demo/generate.js';
import { ensureDemoData } from '../../gateway/demo/seed.js';
import { api } from '../support/api.js';
import { fetchToken } from '../support/clients.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

describe('the demo behind a running gateway', () => {
  let gateway: TestGateway;
  let dataDir: string;
  const options = { establishments: 3, people: 240, seed: 4 };

  beforeAll(async () => {
    gateway = await startTestGateway('demo');
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-demo-'));
  });
  afterAll(async () => {
    await gateway?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('gives a client whose token lists the demo establishments and their pupils with INEs', async () => {
    const { clientId, clientSecret } = await ensureDemoData({ db: gateway.gateway.store.db, dataDir, options });
    const token = await fetchToken(gateway.baseUrl, clientId, clientSecret);
    expect(token.scope?.split(' ').sort()).toEqual(
      ['aggregates.read', 'occupancy.read', 'roster.contacts', 'roster.identifiers', 'roster.read', 'sync.write', 'timetable.read'],
    );
    const client = api(gateway.baseUrl, token.access_token);

    const listing = await client.get<{ data: { uai: string }[] }>('/v1/establishments');
    expect(listing.status).toBe(200);
    const expected = [...generateDemo(options)].map((e) => e.establishment.uai).sort();
    expect(listing.body.data.map((e) => e.uai).sort()).toEqual(expected);

    const pupils = await client.get<{ data: { kind: string; ine?: string }[] }>(`/v1/establishments/${expected[0]}/people?kind=pupil`);
    expect(pupils.status).toBe(200);
    expect(pupils.body.data.length).toBeGreaterThan(0);
    expect(pupils.body.data.every((p) => p.kind === 'pupil' && typeof p.ine === 'string')).toBe(true);
  });
});
