// A perimeter entry narrowed to some types of establishment (`departement:069/college`: a département owns its
// collèges, not the lycées in its territory): parsed and written back in one form, applied in the statements
// that read (a lycée of the same département is a 404, as missing), and in what an admin may hand on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { perimetersWithin } from '../../gateway/perimeter/containment.js';
import { formatPerimeterEntry, parsePerimeter, parsePerimeterEntry, PerimeterError } from '../../gateway/perimeter/perimeter.js';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { api } from '../support/api.js';
import { createClientWithToken } from '../support/clients.js';
import { establishment, LYON, newUai } from '../support/fixtures.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

let t: TestGateway;
const college = newUai('069');
const lycee = newUai('069');

beforeAll(async () => {
  t = await startTestGateway('typed_perimeter');
  await putEstablishment(t.gateway.store.db, establishment(college, LYON));
  await putEstablishment(t.gateway.store.db, establishment(lycee, LYON, { type: 'lycee', name: `Lycée ${lycee}` }));
});
afterAll(async () => t?.close());

describe('a perimeter entry narrowed to types', () => {
  it('is parsed and written in one form, types sorted, and refused with what is expected', () => {
    expect(formatPerimeterEntry(parsePerimeterEntry('region:84/lycee-pro+lycee'))).toBe('region:84/lycee+lycee-pro');
    expect(parsePerimeter(['departement:069/college', 'departement:069/college'])).toHaveLength(1);
    expect(() => parsePerimeterEntry('departement:069/castle')).toThrow(PerimeterError);
    expect(() => parsePerimeterEntry('departement:069/castle')).toThrow(/among ecole, college, lycee/);
    expect(() => parsePerimeterEntry(`uai:${college}/college`)).toThrow(/no \/types/);
  });

  it('covers only its types: the lycée of the same département is a 404, exactly as a missing one', async () => {
    const { token } = await createClientWithToken(t.gateway.store.db, t.baseUrl, { scopes: ['roster.read'], perimeter: ['departement:069/college'] });
    const client = api(t.baseUrl, token);
    expect((await client.get(`/v1/establishments/${college}`)).status).toBe(200);
    const outside = await client.get(`/v1/establishments/${lycee}`);
    const missing = await client.get(`/v1/establishments/${newUai('069')}`);
    expect([outside.status, missing.status]).toEqual([404, 404]);
    const listed = (await client.get('/v1/establishments')).body.data.map((e: { uai: string }) => e.uai);
    expect(listed).toContain(college);
    expect(listed).not.toContain(lycee);
  });

  it('lies within the same territory unnarrowed or narrowed to more types, and holds a UAI of its types only', async () => {
    const db = t.gateway.store.db;
    const outer = parsePerimeter(['departement:069/college']);
    expect(await perimetersWithin(db, outer, [[`uai:${college}`], [`uai:${lycee}`], ['departement:069'], ['commune:69123/college'], ['commune:69123/college+lycee']]))
      .toEqual([true, false, false, true, false]);
    expect(await perimetersWithin(db, parsePerimeter(['departement:069']), [['departement:069/college']])).toEqual([true]);
  });
});
