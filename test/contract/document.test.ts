// The OpenAPI document itself: valid OpenAPI 3.1 as written and as bundled, and complete in the ways every
// operation must be (an operationId, 401 on /v1, errors as problem+json).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { bundleOpenApi, loadOpenApiDocument, openApiDirectory } from '../../gateway/http/openapi-document.js';
import { loadSchemas, schemasDirectory } from '../../gateway/model/validate.js';

type JsonObject = Record<string, any>;

const yamlPath = path.join(openApiDirectory(), 'openapi.yaml');
const document = loadOpenApiDocument() as JsonObject;
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

function operations(doc: JsonObject): { path: string; method: string; operation: JsonObject }[] {
  return Object.entries(doc.paths as JsonObject).flatMap(([p, item]) =>
    METHODS.filter((m) => m in item).map((method) => ({ path: p, method, operation: item[method] as JsonObject })),
  );
}

function resolve(doc: JsonObject, node: JsonObject): JsonObject {
  let current = node;
  while (typeof current.$ref === 'string') {
    current = current.$ref.replace(/^#\//, '').split('/').reduce((o: any, t: string) => o[t.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
  }
  return current;
}

function refsIn(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => refsIn(n, found));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') found.push(value);
      else refsIn(value, found);
    }
  }
  return found;
}

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1 as written, with the schema files it refers to', async () => {
    const validator = new Validator();
    // The YAML refers to ../schemas/x.schema.json, and the schema files to each other as x.schema.json.
    for (const [file, schema] of Object.entries(loadSchemas())) {
      await validator.addSpecRef(structuredClone(schema) as JsonObject, `../schemas/${file}`);
      await validator.addSpecRef(structuredClone(schema) as JsonObject, file);
    }
    const result = await validator.validate(fs.readFileSync(yamlPath, 'utf8'));
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('is valid OpenAPI 3.1 once bundled, with a server when a public URL is given', async () => {
    const bundled = loadOpenApiDocument('https://passerelle.example.fr');
    const result = await new Validator().validate(bundled);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(bundled.servers).toEqual([{ url: 'https://passerelle.example.fr' }]);
    expect(document.servers).toBeUndefined();
  });

  it('is refused by the validator when broken, so the checks above can fail', async () => {
    const broken = structuredClone(document);
    broken.paths['/v1/establishments'].get.responses['200'].content['application/json'].schema.$ref = '#/components/schemas/Nothing';
    expect((await new Validator().validate(broken)).valid).toBe(false);
  });

  it('bundles into one self-contained document: every reference points inside it', () => {
    const refs = refsIn(document);
    expect(refs.length).toBeGreaterThan(50);
    expect(refs.filter((ref) => !ref.startsWith('#/'))).toEqual([]);
    for (const ref of refs) expect(resolve(document, { $ref: ref }), ref).toBeDefined();
  });

  it('holds each entity schema as a component, with its references rewritten', () => {
    const schemas = document.components.schemas as JsonObject;
    for (const name of ['Establishment', 'Person', 'Group', 'Membership', 'GuardianLink', 'Subject', 'Room', 'AcademicYear', 'Common']) {
      expect(schemas[name], name).toBeTypeOf('object');
      expect(schemas[name].$schema, name).toBeUndefined();
    }
    expect(schemas.Person.properties.ine).toEqual({ $ref: '#/components/schemas/Common/$defs/ine' });
    expect(schemas.Person.title).toBe('Person');
    const person = JSON.parse(fs.readFileSync(path.join(schemasDirectory(), 'person.schema.json'), 'utf8'));
    expect(Object.keys(schemas.Person.properties)).toEqual(Object.keys(person.properties));
  });

  it('returns a copy each time, so one caller cannot change another one\'s document', () => {
    const first = loadOpenApiDocument() as JsonObject;
    first.info.title = 'changed';
    expect((loadOpenApiDocument() as JsonObject).info.title).toBe('Passerelle API');
  });

  it('refuses a reference to a missing file, naming it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-openapi-'));
    try {
      const entry = path.join(dir, 'api.yaml');
      fs.writeFileSync(entry, "openapi: 3.1.0\ninfo: {title: t, version: '1'}\ncomponents:\n  schemas:\n    X: {$ref: './missing.json#/a'}\n");
      expect(() => bundleOpenApi(entry)).toThrow(/missing\.json/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('describes exactly the agreed operations', () => {
    expect(operations(document).map((o) => o.operation.operationId).sort()).toEqual([
      'applyBatch', 'getEstablishment', 'getHealth', 'getMetrics', 'getProblemType', 'getProblemTypes', 'getReady', 'listAcademicYears', 'listChanges',
      'listEstablishments', 'listGroups', 'listGuardianLinks', 'listMemberships', 'listPeople', 'listRooms',
      'listSubjects', 'putEstablishment',
      'getAcademicYear', 'getGroup', 'getGuardianLink', 'getMembership', 'getPerson', 'getRoom', 'getSubject',
      'cancelSyncJob', 'confirmSyncJob', 'getSyncJob', 'getSyncJobReport', 'listSyncJobs', 'retrySyncJob', 'submitSyncExport', 'submitSyncJob',
      'createClient', 'getClient', 'listClients', 'revokeClient', 'rotateClientSecret', 'updateClient',
      'listCourses', 'listTimetableChanges', 'listOccurrences', 'getCourse', 'getTimetableChange', 'getOccurrence',
      'getTimetableCalendar', 'createCalendarSubscription', 'listCalendarSubscriptions', 'revokeCalendarSubscription', 'getSubscribedCalendar',
      'getOccupancy', 'getPerimeterOccupancy', 'getHeating', 'getHeatingChanges', 'createClosure', 'getClosure', 'deleteClosure',
      'getAggregate',
    ].sort());
  });

  it('gives every operation a unique operationId, a summary and a tag', () => {
    const ids = operations(document).map(({ operation }) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { path: p, method, operation } of operations(document)) {
      expect(operation.operationId, `${method} ${p}`).toMatch(/^[a-z][A-Za-z]+$/);
      expect(operation.summary, `${method} ${p}`).toBeTruthy();
      expect(operation.tags?.length, `${method} ${p}`).toBeGreaterThan(0);
    }
  });

  it('requires a bearer token on every /v1 operation and documents its 401; the probes need none', () => {
    for (const { path: p, method, operation } of operations(document)) {
      const security = operation.security ?? document.security;
      if (p.startsWith('/v1/')) {
        expect(security?.length, `${method} ${p}`).toBeGreaterThan(0);
        for (const requirement of security) expect(Object.keys(requirement), `${method} ${p}`).toEqual(['oauth2']);
        expect(operation.responses['401'], `${method} ${p}`).toBeDefined();
      } else {
        expect(security, `${method} ${p}`).toEqual([]);
      }
    }
  });

  it('asks for the agreed scopes', () => {
    const scopesOf = (id: string) => {
      const op = operations(document).find((o) => o.operation.operationId === id)!.operation;
      return (op.security ?? document.security).map((r: JsonObject) => r.oauth2);
    };
    expect(scopesOf('listPeople')).toEqual([['roster.read']]);
    expect(scopesOf('listGroups')).toEqual([['roster.read'], ['timetable.read']]);
    expect(scopesOf('listRooms')).toEqual([['roster.read'], ['timetable.read'], ['occupancy.read']]);
    expect(scopesOf('putEstablishment')).toEqual([['admin']]);
    expect(scopesOf('applyBatch')).toEqual([['sync.write']]);
    expect(scopesOf('listEstablishments')).toEqual([[]]);
    for (const id of ['listClients', 'createClient', 'getClient', 'updateClient', 'revokeClient', 'rotateClientSecret']) {
      expect(scopesOf(id), id).toEqual([['admin']]);
    }
    const declared = Object.keys(document.components.securitySchemes.oauth2.flows.clientCredentials.scopes);
    expect(declared).toEqual(['roster.read', 'roster.identifiers', 'roster.contacts', 'timetable.read', 'occupancy.read', 'aggregates.read', 'sync.write', 'admin']);
  });

  it('answers every error as application/problem+json with the Problem schema, and 304 with no body', () => {
    for (const { path: p, method, operation } of operations(document)) {
      for (const [status, response] of Object.entries(operation.responses as JsonObject)) {
        const resolved = resolve(document, response);
        if (status === '304') {
          expect(resolved.content, `${method} ${p} 304`).toBeUndefined();
        } else if (Number(status) >= 400) {
          expect(Object.keys(resolved.content), `${method} ${p} ${status}`).toEqual(['application/problem+json']);
          expect(resolved.content['application/problem+json'].schema).toEqual({ $ref: '#/components/schemas/Problem' });
        }
      }
    }
  });

  it('gives every listing the common parameters, ETag, Link and X-Total-Count, and a 304', () => {
    const listings = operations(document).filter((o) => /^list/.test(o.operation.operationId)
      && !['listChanges', 'listSyncJobs', 'listClients', 'listCalendarSubscriptions'].includes(o.operation.operationId));
    expect(listings).toHaveLength(11);
    for (const { operation } of listings) {
      const names = (operation.parameters as JsonObject[]).map((p) => resolve(document, p).name);
      expect(names, operation.operationId).toEqual(expect.arrayContaining(['limit', 'cursor', 'count', 'includeDeleted', 'updatedSince', 'If-None-Match']));
      expect(Object.keys(operation.responses['200'].headers), operation.operationId).toEqual(['ETag', 'Link', 'X-Total-Count']);
      expect(operation.responses['304'], operation.operationId).toBeDefined();
    }
  });

  it('keeps EstablishmentInput in step with the Establishment schema, uai optional', () => {
    const schemas = document.components.schemas as JsonObject;
    expect(Object.keys(schemas.EstablishmentInput.properties).sort()).toEqual(Object.keys(schemas.Establishment.properties).sort());
    expect([...schemas.EstablishmentInput.required].sort()).toEqual(schemas.Establishment.required.filter((f: string) => f !== 'uai').sort());
  });
});
