// The demo generator on its own (no store): valid records, valid identifiers, determinism, and the shape of
// the default académie.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DEMO,
  DEMO_ACADEMIE,
  DEMO_YEAR,
  demoPlan,
  demoUuid,
  generateDemo,
  type DemoEstablishmentRecord,
  type DemoOperation,
  type DemoOptions,
} from '../../gateway/demo/generate.js';
import { demoBanner } from '../../gateway/demo/seed.js';
import { isValidIne, isValidUai } from '../../gateway/model/identifiers.js';
import { validateRecord } from '../../gateway/model/validate.js';

interface Generated {
  establishment: DemoEstablishmentRecord;
  people: number;
  operations: DemoOperation[];
}

function materialize(options: DemoOptions = {}): Generated[] {
  return [...generateDemo(options)].map((e) => ({ establishment: e.establishment, people: e.people, operations: [...e.operations()] }));
}

const records = (demo: Generated[], entity: DemoOperation['entity']) =>
  demo.flatMap((e) => e.operations.filter((o) => o.entity === entity).map((o) => o.record));

describe('demo generator', () => {
  const defaultDemo = materialize();

  it('makes only records that pass their schema, in every size', () => {
    for (const demo of [defaultDemo, materialize({ establishments: 12, people: 700, seed: 42 }), materialize({ establishments: 2, people: 6 })]) {
      for (const { establishment, operations } of demo) {
        expect(validateRecord('establishment', establishment), establishment.uai).toEqual([]);
        for (const { entity, op, record } of operations) {
          expect(op).toBe('upsert');
          expect({ entity, problems: validateRecord(entity, record) }).toEqual({ entity, problems: [] });
          expect(record.uai).toBe(establishment.uai);
        }
      }
    }
  });

  it('yields memberships and guardian links after the people and groups they name, in the same establishment', () => {
    for (const { operations } of defaultDemo) {
      const seen = new Map<string, DemoOperation>();
      for (const operation of operations) {
        const r = operation.record;
        if (operation.entity === 'membership') {
          expect(seen.get(r.personId as string)?.entity).toBe('person');
          expect(seen.get(r.groupId as string)?.entity).toBe('group');
          expect(seen.get(r.personId as string)?.record.kind).toBe(r.role);
        }
        if (operation.entity === 'guardianLink') {
          expect(seen.get(r.guardianId as string)?.record.kind).toBe('guardian');
          expect(seen.get(r.pupilId as string)?.record.kind).toBe('pupil');
        }
        expect(seen.has(r.id as string)).toBe(false);
        seen.set(r.id as string, operation);
      }
    }
  });

  it('gives every establishment a valid, unique UAI and every pupil a valid, unique INE-BEA', () => {
    const demo = materialize({ establishments: 40, people: 4000, seed: 5 });
    const uais = demo.map((e) => e.establishment.uai);
    expect(uais.every(isValidUai)).toBe(true);
    expect(new Set(uais).size).toBe(uais.length);
    const pupils = records(demo, 'person').filter((p) => p.kind === 'pupil');
    expect(pupils.length).toBeGreaterThan(1000);
    for (const pupil of pupils) {
      expect(pupil.ine).toMatch(/^[0-9]{10}[A-HJ-NPR-Z]$/);
      expect(isValidIne(pupil.ine as string)).toBe(true);
      expect((pupil.ine as string).slice(0, 2)).toBe(DEMO_ACADEMIE.code);
    }
    expect(new Set(pupils.map((p) => p.ine)).size).toBe(pupils.length);
    expect(records(demo, 'person').filter((p) => p.kind !== 'pupil' && 'ine' in p)).toEqual([]);
  });

  it('makes the same records from the same seed, and the same ids with other names from another seed', () => {
    const again = materialize();
    expect(again).toEqual(defaultDemo);
    const other = materialize({ seed: DEFAULT_DEMO.seed + 1 });
    expect(other.map((e) => e.establishment)).toEqual(defaultDemo.map((e) => e.establishment));
    const firstPupil = (demo: Generated[]) => records(demo, 'person').find((p) => p.kind === 'pupil')!;
    expect(firstPupil(other).id).toBe(firstPupil(defaultDemo).id);
    const names = (demo: Generated[]) => records(demo, 'person').slice(0, 200).map((p) => `${p.givenName} ${p.familyName}`);
    expect(names(other)).not.toEqual(names(defaultDemo));
  });

  it('derives ids as UUID v5 from the record key', () => {
    expect(demoUuid('0699000H/pupil/1')).toBe(demoUuid('0699000H/pupil/1'));
    expect(demoUuid('0699000H/pupil/1')).not.toBe(demoUuid('0699000H/pupil/2'));
    expect(demoUuid('x')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('has by default écoles, collèges and lycées, one private, in several communes of two départements', () => {
    const establishments = defaultDemo.map((e) => e.establishment);
    expect(establishments).toHaveLength(9);
    const byType = (type: string) => establishments.filter((e) => e.type === type);
    expect([byType('ecole').length, byType('college').length, byType('lycee').length]).toEqual([4, 3, 2]);
    expect(establishments.filter((e) => e.sector === 'private')).toHaveLength(1);
    for (const type of ['ecole', 'college', 'lycee']) {
      expect(new Set(byType(type).map((e) => e.departementCode)), type).toEqual(new Set(['069', '001']));
      expect(new Set(byType(type).map((e) => e.communeCode)).size, type).toBeGreaterThanOrEqual(2);
    }
    for (const e of establishments) {
      expect(e.communeCode.slice(0, 2)).toBe(e.departementCode.slice(1));
      expect(e.uai.slice(0, 3)).toBe(e.departementCode);
      expect([e.academieCode, e.regionCode, e.holidayZone]).toEqual([DEMO_ACADEMIE.code, DEMO_ACADEMIE.regionCode, 'A']);
    }
  });

  it('puts pupils in a class of their level, born in the right year, and some in teaching groups', () => {
    const expectedBirthYear: Record<string, number> = {
      CP: 2020, CE1: 2019, CE2: 2018, CM1: 2017, CM2: 2016, '6E': 2015, '5E': 2014, '4E': 2013, '3E': 2012, '2DE': 2011, '1RE': 2010, TLE: 2009,
    };
    const levelsOf = new Map<string, Set<string>>();
    for (const { establishment, operations } of defaultDemo) {
      const groups = new Map(operations.filter((o) => o.entity === 'group').map((o) => [o.record.id as string, o.record]));
      const people = new Map(operations.filter((o) => o.entity === 'person').map((o) => [o.record.id as string, o.record]));
      const memberships = operations.filter((o) => o.entity === 'membership').map((o) => o.record);
      const levels = levelsOf.get(establishment.type) ?? new Set<string>();
      levelsOf.set(establishment.type, levels);
      for (const [id, pupil] of people) {
        if (pupil.kind !== 'pupil') continue;
        const own = memberships.filter((m) => m.personId === id).map((m) => groups.get(m.groupId as string)!);
        const divisions = own.filter((g) => g.kind === 'division');
        expect(divisions).toHaveLength(1);
        const level = divisions[0].level as string;
        levels.add(level);
        const born = Number((pupil.birthDate as string).slice(0, 4));
        expect([expectedBirthYear[level], expectedBirthYear[level] - 1]).toContain(born);
        if (establishment.type !== 'ecole') expect(own.some((g) => g.kind === 'group')).toBe(true);
      }
      for (const teacher of [...people.values()].filter((p) => p.kind === 'teacher')) {
        expect(memberships.some((m) => m.personId === teacher.id && m.role === 'teacher')).toBe(true);
      }
    }
    expect(levelsOf.get('ecole')).toEqual(new Set(['CP', 'CE1', 'CE2', 'CM1', 'CM2']));
    expect(levelsOf.get('college')).toEqual(new Set(['6E', '5E', '4E', '3E']));
    expect(levelsOf.get('lycee')).toEqual(new Set(['2DE', '1RE', 'TLE']));
  });

  it('gives every pupil one or two guardians, some guardians two pupils of the same establishment', () => {
    let guardiansOfTwo = 0;
    for (const { operations } of defaultDemo) {
      const links = operations.filter((o) => o.entity === 'guardianLink').map((o) => o.record);
      const pupils = operations.filter((o) => o.entity === 'person' && o.record.kind === 'pupil');
      for (const pupil of pupils) {
        const own = links.filter((l) => l.pupilId === pupil.record.id);
        expect(own.length).toBeGreaterThanOrEqual(1);
        expect(own.length).toBeLessThanOrEqual(2);
        expect(own.some((l) => l.legalRepresentative === true)).toBe(true);
      }
      const perGuardian = new Map<string, number>();
      for (const link of links) perGuardian.set(link.guardianId as string, (perGuardian.get(link.guardianId as string) ?? 0) + 1);
      guardiansOfTwo += [...perGuardian.values()].filter((n) => n >= 2).length;
    }
    expect(guardiansOfTwo).toBeGreaterThan(0);
  });

  it("carries the roster's facts: guardians' contacts and links, pupils' levels, teachers' subjects per class or group, staff functions", () => {
    for (const { establishment, operations } of defaultDemo) {
      const of = (entity: string) => operations.filter((o) => o.entity === entity).map((o) => o.record);
      const people = of('person');
      const guardians = people.filter((p) => p.kind === 'guardian');
      for (const guardian of guardians) {
        expect(guardian.address).toMatchObject({ lines: [expect.any(String)], postalCode: expect.stringMatching(/^[0-9]{5}$/), city: expect.any(String) });
        expect(guardian.phones).toContainEqual({ type: 'mobile', number: expect.stringMatching(/^06 39 98 /) });
      }
      for (const link of of('guardianLink')) expect(['mother', 'father', 'tutor', 'other']).toContain(link.relationship);
      for (const pupil of people.filter((p) => p.kind === 'pupil')) expect([pupil.level, pupil.levelSource]).toEqual([expect.any(String), expect.any(String)]);
      expect(people.filter((p) => p.kind === 'teacher').every((t) => (t.functions as { code: string }[])[0].code === 'ENS')).toBe(true);
      const subjects = new Set(of('subject').map((s) => s.id));
      const teaching = of('membership').filter((m) => m.role === 'teacher');
      expect(teaching.length).toBeGreaterThan(0);
      // Every class teacher names its subjects; an école's extra teacher, sharing a class, names none.
      expect(teaching.filter((m) => m.subjectIds === undefined).length).toBeLessThanOrEqual(establishment.type === 'ecole' ? 1 : 0);
      for (const id of teaching.flatMap((m) => (m.subjectIds ?? []) as string[])) expect(subjects.has(id)).toBe(true);
      expect(of('membership').filter((m) => m.role === 'pupil').every((m) => m.subjectIds === undefined)).toBe(true);
    }
    const relationships = records(defaultDemo, 'guardianLink').map((l) => l.relationship);
    expect(new Set(relationships)).toEqual(new Set(['mother', 'father', 'tutor', 'other']));
  });

  it('gives each establishment the 2026-2027 school year with its zone holidays, rooms and subjects', () => {
    for (const { operations } of defaultDemo) {
      const years = operations.filter((o) => o.entity === 'academicYear').map((o) => o.record);
      expect(years).toHaveLength(1);
      expect(years[0]).toMatchObject({ code: DEMO_YEAR.code, startDate: '2026-09-01', endDate: '2027-07-03' });
      const holidays = years[0].holidays as { name: string; startDate: string; endDate: string }[];
      expect(holidays.find((h) => h.name === "Vacances d'hiver")).toEqual({ name: "Vacances d'hiver", startDate: '2027-02-13', endDate: '2027-02-28' });
      for (const h of holidays) {
        expect(h.startDate <= h.endDate).toBe(true);
        expect(h.startDate > '2026-09-01' && h.endDate < '2027-07-03').toBe(true);
      }
      const roomRecords = operations.filter((o) => o.entity === 'room').map((o) => o.record);
      expect(roomRecords.length).toBeGreaterThanOrEqual(5);
      expect(roomRecords.every((r) => typeof r.capacity === 'number' && typeof r.building === 'string')).toBe(true);
      expect(operations.filter((o) => o.entity === 'subject').length).toBeGreaterThanOrEqual(8);
    }
  });

  it('spreads exactly the people asked for over the establishments, at bench size too', () => {
    for (const { establishments, people } of [{ establishments: 200, people: 100_000 }, { establishments: 7, people: 1001 }]) {
      const planned = [...generateDemo({ establishments, people })];
      expect(planned).toHaveLength(establishments);
      expect(planned.reduce((sum, e) => sum + e.people, 0)).toBe(people);
      expect(new Set(planned.map((e) => e.establishment.uai)).size).toBe(establishments);
      expect(new Set(planned.map((e) => e.establishment.communeCode)).size).toBeGreaterThan(establishments / 4);
    }
    for (const demo of [defaultDemo, materialize({ establishments: 7, people: 1001, seed: 9 })]) {
      for (const e of demo) expect(e.operations.filter((o) => o.entity === 'person')).toHaveLength(e.people);
    }
  });

  it('refuses sizes it cannot make, naming the option', () => {
    expect(() => demoPlan({ establishments: 0 })).toThrow(/^establishments must be/);
    expect(() => demoPlan({ establishments: 10, people: 29 })).toThrow(/^people must be an integer from 30/);
    expect(() => demoPlan({ seed: -1 })).toThrow(/^seed must be/);
    expect(() => [...generateDemo({ people: 2.5 })]).toThrow(RangeError);
    expect(demoPlan({ establishments: 50 })).toEqual({ establishments: 50, people: 10_000, seed: DEFAULT_DEMO.seed });
  });

  it('prints a banner with the URLs, the credentials and curl lines for a token and the establishments', () => {
    const text = demoBanner({ baseUrl: 'http://localhost:8080/', clientId: 'pas_abc', clientSecret: 's3cr-et_x' });
    expect(text).toContain('http://localhost:8080/docs');
    expect(text).toContain('pas_abc');
    expect(text).toContain('s3cr-et_x');
    expect(text).toContain("curl -s -u 'pas_abc:s3cr-et_x' -d grant_type=client_credentials http://localhost:8080/oauth/token");
    expect(text).toContain('curl -s -H "Authorization: Bearer $TOKEN" http://localhost:8080/v1/establishments');
  });
});
