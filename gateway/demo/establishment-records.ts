// One demo establishment's records, made on demand: its school year, subjects, rooms, classes and teaching
// groups, teachers and staff, pupils and their guardians, memberships and guardian links, then its weekly
// timetable (timetable.ts), in dependency order.
import { ineWithKey } from '../model/identifiers.js';
import { DEMO_ACADEMIE, DEMO_YEAR, holidaysForZone } from './academie.js';
import { createRandom, demoUuid, emailPart, hash32, randomDateIn } from './deterministic.js';
import type { DemoEntity, DemoOperation, DemoRecord, EstablishmentPlan } from './generate.js';
import { ADULT_NAMES, CHILD_NAMES, FAMILY_NAMES } from './names.js';
import { PROFILES, SPECIALTIES, STAFF_FUNCTIONS, SUBJECTS, TEACHER_FUNCTION } from './school-structure.js';
import { familyAddress, guardianPhones, guardianRelationship } from './family-contacts.js';
import { timetableOperations } from './timetable.js';

interface Person {
  key: string;
  record: DemoRecord;
}

export function* establishmentOperations(plan: EstablishmentPlan, seed: number): Generator<DemoOperation> {
  const { uai, type } = plan.record;
  const profile = PROFILES[type];
  const random = createRandom(hash32(`${seed}/${uai}`));
  const key = (suffix: string): string => `${uai}/${suffix}`;
  const base = (k: string): { id: string; uai: string; sourceIds: { demo: string } } => ({ id: demoUuid(k), uai, sourceIds: { demo: k } });
  const upsert = (entity: DemoEntity, record: DemoRecord): DemoOperation => ({ entity, op: 'upsert', record });

  yield upsert('academicYear', {
    ...base(key(`academicYear/${DEMO_YEAR.code}`)),
    code: DEMO_YEAR.code,
    startDate: DEMO_YEAR.startDate,
    endDate: DEMO_YEAR.endDate,
    holidays: holidaysForZone(plan.record.holidayZone),
  });

  for (const code of profile.subjects) yield upsert('subject', { ...base(key(`subject/${code}`)), code, name: SUBJECTS[code] });

  // Sizes first: staff, teachers, then families until the establishment's share of people is used up.
  const budget = plan.people;
  const staffCount = budget >= 200 ? 2 : budget >= 60 ? 1 : 0;
  const pupilEstimate = Math.max(1, Math.round(budget / 2.55));
  // An école has a teacher per class and one more; a secondary school about one teacher per eleven pupils.
  const perLevel = pupilEstimate / profile.levels.length;
  const teacherWanted = type === 'ecole'
    ? profile.levels.length * Math.max(1, Math.round(perLevel / profile.classSize)) + 1
    : Math.round(pupilEstimate / 11);
  const teacherCount = Math.max(1, Math.min(teacherWanted, budget - staffCount - 2));
  const families: { pupils: number; guardians: number }[] = [];
  let remaining = budget - staffCount - teacherCount;
  while (remaining > 0) {
    let pupils = random.chance(0.15) ? 2 : 1;
    let guardians = random.chance(0.7) ? 2 : 1;
    while (pupils + guardians > remaining && (guardians > 1 || pupils > 1)) {
      if (guardians > 1) guardians--;
      else pupils--;
    }
    if (pupils + guardians > remaining) {
      families[families.length - 1].pupils++; // one person left over: a sibling
      remaining--;
    } else {
      families.push({ pupils, guardians });
      remaining -= pupils + guardians;
    }
  }

  // Pupils by level and division; siblings sit in neighbouring levels.
  const levels = profile.levels;
  const levelOffset = random.int(0, levels.length - 1);
  const pupilLevels: number[] = [];
  for (const family of families) for (let p = 0; p < family.pupils; p++) pupilLevels.push((pupilLevels.length + levelOffset) % levels.length);
  const pupilsByLevel = levels.map(() => [] as number[]);
  pupilLevels.forEach((level, pupil) => pupilsByLevel[level].push(pupil));

  interface Division { key: string; id: string; levelIndex: number; pupils: number[]; code: string; name: string }
  const divisions: Division[] = [];
  const divisionOfPupil: number[] = [];
  levels.forEach((level, levelIndex) => {
    const members = pupilsByLevel[levelIndex];
    const count = Math.max(1, Math.round(members.length / profile.classSize));
    const first = divisions.length;
    for (let n = 0; n < count; n++) {
      const code = level.divisionCode(n);
      divisions.push({ key: key(`group/${code}`), id: '', levelIndex, pupils: [], code, name: level.divisionName(n) });
    }
    members.forEach((pupil, i) => {
      const d = first + (i % count);
      divisions[d].pupils.push(pupil);
      divisionOfPupil[pupil] = d;
    });
  });
  for (const division of divisions) division.id = demoUuid(division.key);

  // Teachers with their subject (secondary) and the classes they teach.
  const teacherSubject = (t: number): string | undefined =>
    profile.teacherSubjects.length ? profile.teacherSubjects[t % profile.teacherSubjects.length] : undefined;
  const teachersBySubject = new Map<string, number[]>();
  for (let t = 0; t < teacherCount; t++) {
    const subject = teacherSubject(t);
    if (subject) teachersBySubject.set(subject, [...(teachersBySubject.get(subject) ?? []), t]);
  }
  const teacherFor = (subject: string, n: number): number | undefined => {
    const teachers = teachersBySubject.get(subject);
    return teachers?.length ? teachers[n % teachers.length] : undefined;
  };

  // Rooms: a classroom per division (and a few more), plus the usual special rooms.
  const classrooms = Math.max(type === 'ecole' ? levels.length : 4, Math.ceil(divisions.length * (type === 'ecole' ? 1 : 1.15)));
  const classroomCodes: string[] = [];
  for (let r = 0; r < classrooms; r++) {
    const building = String.fromCharCode(65 + Math.floor(r / 12));
    const code = type === 'ecole' ? `S${r + 1}` : `${building}${Math.floor((r % 12) / 6) + 1}${String((r % 6) + 1).padStart(2, '0')}`;
    classroomCodes.push(code);
    yield upsert('room', {
      ...base(key(`room/${code}`)),
      code,
      name: `Salle ${code}`,
      building: `Bâtiment ${building}`,
      capacity: type === 'ecole' ? 28 : random.pick([24, 30, 32, 35]),
    });
  }
  const specialRooms = type === 'ecole'
    ? [['BCD', 'Bibliothèque (BCD)', 30], ['PREAU', 'Préau', 120]] as const
    : [['CDI', 'Centre de documentation et d’information', 60], ['GYM', 'Gymnase', 120], ['LABO1', 'Laboratoire de sciences 1', 24],
        ['LABO2', 'Laboratoire de sciences 2', 24], ['INFO1', 'Salle informatique', 30]] as const;
  for (const [code, name, capacity] of specialRooms) {
    yield upsert('room', { ...base(key(`room/${code}`)), code, name, building: 'Bâtiment A', capacity });
  }

  // Groups: classes, then teaching groups (half classes, LV2, Latin, lycée specialties).
  interface TeachingGroup { key: string; id: string; code: string; name: string; levelIndex: number; pupils: number[]; teacher?: number; subject: string }
  const groups: TeachingGroup[] = [];
  const addGroup = (code: string, name: string, levelIndex: number, pupils: number[], subject: string, teacher?: number): void => {
    if (!pupils.length) return;
    const k = key(`group/${code}`);
    groups.push({ key: k, id: demoUuid(k), code, name, levelIndex, pupils, teacher, subject });
  };
  if (type !== 'ecole') {
    divisions.forEach((division, d) => {
      if (division.pupils.length < 2) return;
      const half = Math.ceil(division.pupils.length / 2);
      const science = teacherFor('PH-CH', d);
      addGroup(`${division.code}-G1`, `${division.name} groupe 1`, division.levelIndex, division.pupils.slice(0, half), 'PH-CH', science);
      addGroup(`${division.code}-G2`, `${division.name} groupe 2`, division.levelIndex, division.pupils.slice(half), 'PH-CH', science);
    });
  }
  // `teacherSubject`: whose teachers take the groups, when not the groups' own subject (French teachers teach Latin).
  const splitIntoGroups = (prefix: string, label: string, levelIndex: number, pupils: number[], subject: string, teacherSubject = subject): void => {
    const count = Math.max(1, Math.ceil(pupils.length / 28));
    for (let n = 0; n < count; n++) {
      const members = pupils.filter((_, i) => i % count === n);
      addGroup(`${prefix}-${n + 1}`, `${label} ${n + 1}`, levelIndex, members, subject, teacherFor(teacherSubject, n));
    }
  };
  if (type === 'college') {
    levels.forEach((level, levelIndex) => {
      if (level.code === '6E') return;
      const pupils = pupilsByLevel[levelIndex];
      const spanish = pupils.filter((p) => hash32(`${seed}/${uai}/lv2/${p}`) % 10 < 7);
      const german = pupils.filter((p) => hash32(`${seed}/${uai}/lv2/${p}`) % 10 >= 7);
      splitIntoGroups(`${level.code}-ESP2`, `Espagnol LV2 ${level.code}`, levelIndex, spanish, 'ESP2');
      splitIntoGroups(`${level.code}-ALL2`, `Allemand LV2 ${level.code}`, levelIndex, german, 'ALL2');
      const latin = pupils.filter((p) => hash32(`${seed}/${uai}/latin/${p}`) % 100 < 18);
      splitIntoGroups(`${level.code}-LCALA`, `Latin ${level.code}`, levelIndex, latin, 'LCALA', 'FRANC');
    });
  }
  if (type === 'lycee') {
    levels.forEach((level, levelIndex) => {
      if (level.code === '2DE') return;
      const perPupil = level.code === '1RE' ? 3 : 2;
      const chosen = SPECIALTIES.map(() => [] as number[]);
      for (const pupil of pupilsByLevel[levelIndex]) {
        const start = hash32(`${seed}/${uai}/spe/${pupil}`) % SPECIALTIES.length;
        for (let s = 0; s < perPupil; s++) chosen[(start + s * 2) % SPECIALTIES.length].push(pupil);
      }
      SPECIALTIES.forEach((subject, s) =>
        splitIntoGroups(`${level.code}-SPE-${subject}`, `Spécialité ${SUBJECTS[subject].toLowerCase()} ${level.code}`, levelIndex, chosen[s], subject));
    });
  }

  for (const division of divisions) {
    yield upsert('group', {
      ...base(division.key),
      kind: 'division',
      code: division.code,
      name: division.name,
      level: levels[division.levelIndex].code,
      levelSource: levels[division.levelIndex].source,
    });
  }
  for (const group of groups) {
    const { code: level, source: levelSource } = levels[group.levelIndex];
    yield upsert('group', { ...base(group.key), kind: 'group', code: group.code, name: group.name, level, levelSource });
  }

  // People.
  let personNumber = 0;
  const nextGlobal = (): number => plan.personOffset + personNumber++;
  const teachers: Person[] = [];
  for (let t = 0; t < teacherCount; t++) {
    const givenName = random.pick(ADULT_NAMES);
    const familyName = random.pick(FAMILY_NAMES);
    const k = key(`teacher/${t + 1}`);
    const global = nextGlobal();
    teachers.push({
      key: k,
      record: {
        ...base(k),
        kind: 'teacher',
        familyName,
        givenName,
        birthDate: randomDateIn(random, random.int(1962, 1998)),
        email: `${emailPart(givenName)}.${emailPart(familyName)}${global + 1}@ac-demo.invalid`,
        functions: [TEACHER_FUNCTION],
      },
    });
  }
  for (const teacher of teachers) yield upsert('person', teacher.record);
  for (let s = 0; s < staffCount; s++) {
    const k = key(`staff/${s + 1}`);
    nextGlobal();
    yield upsert('person', {
      ...base(k),
      kind: 'staff',
      familyName: random.pick(FAMILY_NAMES),
      givenName: random.pick(ADULT_NAMES),
      birthDate: randomDateIn(random, random.int(1965, 1995)),
      functions: [STAFF_FUNCTIONS[s % STAFF_FUNCTIONS.length]],
    });
  }

  const pupilIds: string[] = [];
  const links: { guardian: number; pupil: number; legal: boolean; guardianId: string; relationship: string }[] = [];
  let pupil = 0;
  let guardianCount = 0;
  for (const family of families) {
    const familyName = random.pick(FAMILY_NAMES);
    const firstPupil = pupil;
    for (let p = 0; p < family.pupils; p++, pupil++) {
      const level = levels[pupilLevels[pupil]];
      const bornIn = 2020 - level.rank - (random.chance(0.04) ? 1 : 0);
      const global = nextGlobal();
      // INE-BEA: académie, year of first schooling, a serial unique in the demo, then the mod-23 key.
      const serial = String(global % 1_000_000).padStart(6, '0');
      const ine = ineWithKey(`${DEMO_ACADEMIE.code}${String((bornIn + 3) % 100).padStart(2, '0')}${serial}`);
      const k = key(`pupil/${pupil + 1}`);
      const record = {
        ...base(k),
        kind: 'pupil',
        familyName,
        givenName: random.pick(CHILD_NAMES),
        birthDate: randomDateIn(random, bornIn),
        ine,
        level: level.code,
        levelSource: level.source,
      };
      pupilIds.push(record.id);
      yield upsert('person', record);
    }
    const parentsBorn = 2020 - levels[pupilLevels[firstPupil]].rank - random.int(25, 42);
    const familyKey = key(`family/${firstPupil + 1}`);
    const address = familyAddress(familyKey, { code: plan.record.communeCode, name: plan.record.communeName });
    for (let g = 0; g < family.guardians; g++) {
      guardianCount++;
      const k = key(`guardian/${guardianCount}`);
      const givenName = random.pick(ADULT_NAMES);
      const guardianFamilyName = g === 0 || random.chance(0.6) ? familyName : random.pick(FAMILY_NAMES);
      const record: DemoRecord = {
        ...base(k),
        kind: 'guardian',
        familyName: guardianFamilyName,
        givenName,
        birthDate: randomDateIn(random, parentsBorn + random.int(-3, 3)),
        address,
        phones: guardianPhones(k, familyKey),
      };
      const global = nextGlobal();
      if (random.chance(0.6)) record.email = `${emailPart(givenName)}.${emailPart(guardianFamilyName)}${global + 1}@example.org`;
      yield upsert('person', record);
      const legal = g === 0 || random.chance(0.85);
      const relationship = guardianRelationship(familyKey, g);
      for (let p = firstPupil; p < pupil; p++) links.push({ guardian: guardianCount, pupil: p, legal, guardianId: record.id as string, relationship });
    }
  }

  // Memberships: pupils in their class and groups, teachers in the classes and groups they teach.
  const membership = (personKey: string, personId: string, groupKey: string, groupId: string, role: 'pupil' | 'teacher', subjects: string[] = []): DemoOperation => {
    const k = `${personKey}/in/${groupKey.slice(uai.length + 1)}`;
    const subjectIds = subjects.map((code) => demoUuid(key(`subject/${code}`)));
    return upsert('membership', { ...base(k), personId, groupId, role, startDate: DEMO_YEAR.startDate, ...(subjectIds.length ? { subjectIds } : {}) });
  };
  const groupsOfPupil = new Map<number, TeachingGroup[]>();
  for (const group of groups) for (const p of group.pupils) groupsOfPupil.set(p, [...(groupsOfPupil.get(p) ?? []), group]);
  for (let p = 0; p < pupilIds.length; p++) {
    const pupilKey = key(`pupil/${p + 1}`);
    const division = divisions[divisionOfPupil[p]];
    yield membership(pupilKey, pupilIds[p], division.key, division.id, 'pupil');
    for (const group of groupsOfPupil.get(p) ?? []) yield membership(pupilKey, pupilIds[p], group.key, group.id, 'pupil');
  }
  // What each teacher teaches in each class or group (an école's teacher, every subject of its class): one
  // membership per teacher and class or group, naming those subjects.
  const teaching = new Map<string, { t: number; groupKey: string; groupId: string; subjects: string[] }>();
  const taught = new Set<number>();
  const assign = (t: number | undefined, groupKey: string, groupId: string, subject: string | undefined): void => {
    if (t === undefined) return;
    taught.add(t);
    const entry = teaching.get(`${t}/${groupKey}`) ?? { t, groupKey, groupId, subjects: [] };
    teaching.set(`${t}/${groupKey}`, entry);
    if (subject && !entry.subjects.includes(subject)) entry.subjects.push(subject);
  };
  divisions.forEach((division, d) => {
    if (type === 'ecole') for (const subject of profile.subjects) assign(d % teacherCount, division.key, division.id, subject);
    else for (const subject of profile.divisionSubjects(levels[division.levelIndex].code)) assign(teacherFor(subject, d), division.key, division.id, subject);
  });
  for (const group of groups) assign(group.teacher, group.key, group.id, group.subject);
  // A teacher left without a class (an école's extra teacher, a small school's language teacher) shares one.
  for (let t = 0; t < teacherCount; t++) {
    const division = divisions[t % divisions.length];
    if (!taught.has(t)) assign(t, division.key, division.id, teacherSubject(t));
  }
  for (const { t, groupKey, groupId, subjects } of teaching.values()) {
    yield membership(teachers[t].key, teachers[t].record.id as string, groupKey, groupId, 'teacher', subjects);
  }

  for (const link of links) {
    const k = key(`guardian/${link.guardian}/of/pupil/${link.pupil + 1}`);
    yield upsert('guardianLink', { ...base(k), guardianId: link.guardianId, pupilId: pupilIds[link.pupil], legalRepresentative: link.legal, relationship: link.relationship });
  }

  // The weekly timetable, whose courses name the teachers, groups, rooms and subjects yielded above.
  yield* timetableOperations({
    type, levels: levels.map((level) => level.code), divisions, groups, divisionOfPupil,
    teacherOf: (subject, d) => (type === 'ecole' ? d % teacherCount : teacherFor(subject, d)),
    classrooms: classroomCodes, specialRooms: specialRooms.map(([code]) => code),
    base: (suffix) => base(key(suffix)),
  }, seed);
}
