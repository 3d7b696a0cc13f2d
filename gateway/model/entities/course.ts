import { establishmentRecords, type EntityDescriptor } from './descriptor.js';

/** The filters a timetable listing has: by group, by person (who teaches it or who is in one of its groups), room, subject. */
export const TIMETABLE_FILTERS = [
  { parameter: 'group', on: 'reference', field: 'groupIds' },
  { parameter: 'room', on: 'reference', field: 'roomIds' },
  { parameter: 'subject', on: 'reference', field: 'subjectId' },
  { parameter: 'person', on: 'attendee', teachers: 'teacherIds', groups: 'groupIds' },
] as const;

/** What a timetable record names: its subject, teachers, groups and rooms (and, for a change or an occurrence, its course). */
export const TIMETABLE_REFERENCES = [
  { field: 'subjectId', entity: 'subject' },
  { field: 'teacherIds', entity: 'person', many: true },
  { field: 'groupIds', entity: 'group', many: true },
  { field: 'roomIds', entity: 'room', many: true },
] as const;

export const course: EntityDescriptor = {
  name: 'course',
  schema: 'course.schema.json',
  collection: 'courses',
  belongsTo: 'establishment',
  storage: establishmentRecords(),
  // Who teaches which group where and when: for timetable clients, never for occupancy ones.
  readScopes: ['timetable.read'],
  personal: false,
  fields: {},
  references: TIMETABLE_REFERENCES,
  filters: TIMETABLE_FILTERS,
  matchOnIne: false,
  order: 5,
};
