import { TIMETABLE_FILTERS, TIMETABLE_REFERENCES } from './course.js';
import type { EntityDescriptor } from './descriptor.js';

/**
 * One dated session, materialised by the gateway from courses, course changes and the calendar
 * (gateway/timetable/): kept in a typed table (store/timetable/), listed by date range, never written in batches.
 */
export const occurrence: EntityDescriptor = {
  name: 'occurrence',
  schema: 'occurrence.schema.json',
  collection: 'occurrences',
  belongsTo: 'establishment',
  storage: { table: 'occurrence', shared: false, conflict: 'id', columns: {}, rendering: 'columns' },
  readScopes: ['timetable.read'],
  personal: false,
  fields: {},
  references: [{ field: 'courseId', entity: 'course' }, ...TIMETABLE_REFERENCES],
  filters: TIMETABLE_FILTERS,
  matchOnIne: false,
  order: 7,
};
