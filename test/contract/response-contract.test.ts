// The response checker every suite relies on (test/support/contract.ts): it must accept what the document
// describes and refuse, with a useful message, what it does not.
import { describe, expect, it } from 'vitest';
import { validateResponse } from '../support/contract.js';

const JSON_TYPE = { 'content-type': 'application/json; charset=utf-8' };
const PROBLEM_TYPE = { 'content-type': 'application/problem+json; charset=utf-8' };
const PERSON = {
  id: '0b8e7c0e-5d0a-4a51-9a0c-7f4f1b7a4a11',
  uai: '0690001B',
  sourceIds: { 'sts-web': '12345' },
  status: 'active',
  updatedAt: '2026-09-01T06:00:00Z',
  kind: 'pupil',
  familyName: 'Martin',
  givenName: 'Léa',
  ine: '0494004062M',
};
const TOMBSTONE = { id: '9a7d2c1e-0f3b-4e5d-8c6a-2b1a0f9e8d7c', uai: '0690001B', sourceIds: {}, status: 'deleted', updatedAt: '2026-09-02T07:30:00Z' };
const PEOPLE_URL = 'http://127.0.0.1:8080/v1/establishments/0690001B/people?limit=2';

describe('validateResponse', () => {
  it('accepts a documented listing, tombstones included, and names its operation', () => {
    const result = validateResponse({
      method: 'GET',
      url: PEOPLE_URL,
      status: 200,
      headers: new Headers({ ...JSON_TYPE, etag: '"a"', 'x-total-count': '2' }),
      body: { data: [PERSON, TOMBSTONE], next: null, changeCursor: '12' },
    });
    expect(result.operationId).toBe('listPeople');
  });

  it('refuses a record missing what every stored record has, naming operation, status and field', () => {
    const { updatedAt: _, ...person } = PERSON;
    expect(() => validateResponse({
      method: 'GET', url: PEOPLE_URL, status: 200, headers: { ...JSON_TYPE, ETag: '"a"' },
      body: { data: [person], next: null, changeCursor: '12' },
    })).toThrow(/GET \/v1\/establishments\/0690001B\/people → 200 \(listPeople\)[\s\S]*updatedAt/);
  });

  it('refuses an INE that is not INE-shaped and a field the schema does not have', () => {
    expect(() => validateResponse({
      method: 'GET', url: PEOPLE_URL, status: 200, headers: { ...JSON_TYPE, ETag: '"a"' },
      body: { data: [{ ...PERSON, ine: '04940040' }], next: null, changeCursor: '12' },
    })).toThrow(/does not match/);
    // A key that does not check out is what the store holds for test feeds imported with lenient identifiers.
    expect(() => validateResponse({
      method: 'GET', url: PEOPLE_URL, status: 200, headers: { ...JSON_TYPE, ETag: '"a"' },
      body: { data: [{ ...PERSON, ine: '0494004062A' }], next: null, changeCursor: '12' },
    })).not.toThrow();
    expect(() => validateResponse({
      method: 'GET', url: PEOPLE_URL, status: 200, headers: { ...JSON_TYPE, ETag: '"a"' },
      body: { data: [{ ...PERSON, nickname: 'Lili' }], next: null, changeCursor: '12' },
    })).toThrow(/does not match/);
  });

  it('refuses a listing without its ETag, and an X-Total-Count that is not a count', () => {
    const body = { data: [], next: null, changeCursor: '12' };
    expect(() => validateResponse({ method: 'GET', url: PEOPLE_URL, status: 200, headers: JSON_TYPE, body }))
      .toThrow(/the ETag header is required/);
    expect(() => validateResponse({ method: 'GET', url: PEOPLE_URL, status: 200, headers: { ...JSON_TYPE, etag: '"a"', 'x-total-count': 'many' }, body }))
      .toThrow(/X-Total-Count/);
  });

  it('refuses an undocumented status and an error that is not problem+json', () => {
    expect(() => validateResponse({ method: 'GET', url: PEOPLE_URL, status: 418, headers: PROBLEM_TYPE, body: {} }))
      .toThrow(/status 418 is not documented/);
    expect(() => validateResponse({
      method: 'GET', url: PEOPLE_URL, status: 404, headers: JSON_TYPE,
      body: { type: 'https://passerelle.test/problems/not-found', title: 'Not found', status: 404 },
    })).toThrow(/must be application\/problem\+json/);
  });

  it('accepts a 304 without a body and refuses one with a body', () => {
    expect(validateResponse({ method: 'GET', url: PEOPLE_URL, status: 304, headers: { etag: '"a"' }, body: null }).operationId).toBe('listPeople');
    expect(() => validateResponse({ method: 'GET', url: PEOPLE_URL, status: 304, headers: { etag: '"a"' }, body: { data: [] } }))
      .toThrow(/no body/);
  });

  it('checks change-feed entries by their entity', () => {
    const check = (entry: object) => validateResponse({
      method: 'GET', url: '/v1/changes?since=3', status: 200, headers: JSON_TYPE, body: { data: [entry], cursor: '4', hasMore: false },
    });
    expect(check({ entity: 'person', id: PERSON.id, op: 'upsert', record: PERSON }).operationId).toBe('listChanges');
    expect(check({ entity: 'person', id: TOMBSTONE.id, op: 'delete', record: TOMBSTONE }).operationId).toBe('listChanges');
    expect(() => check({ entity: 'room', id: PERSON.id, op: 'upsert', record: PERSON })).toThrow(/does not match/);
  });

  it('lets unknown /v1 paths and methods answer only a problem, and ignores paths the document leaves out', () => {
    const problem = { type: 'https://passerelle.test/problems/not-found', title: 'Not found', status: 404, detail: 'x' };
    expect(validateResponse({ method: 'GET', url: '/v1/nothing', status: 404, headers: PROBLEM_TYPE, body: problem }).operationId).toBeNull();
    expect(() => validateResponse({ method: 'GET', url: '/v1/nothing', status: 200, headers: JSON_TYPE, body: {} }))
      .toThrow(/only an error status/);
    expect(() => validateResponse({ method: 'DELETE', url: '/v1/establishments/0690001B', status: 204, headers: {}, body: null }))
      .toThrow(/no DELETE/);
    expect(validateResponse({ method: 'POST', url: '/oauth/token', status: 200, headers: JSON_TYPE, body: { access_token: 'x' } }).operationId).toBeNull();
  });
});
