// A collège's 2026-2027 calendar in Paris, written out by hand for the timetable tests: rentrée Tuesday
// 1 September 2026, last day of classes Friday 2 July 2027, holidays as inclusive days without classes.
import type { Course, SchoolCalendar } from '../../gateway/timetable/model.js';

export const PARIS_2026_2027: SchoolCalendar = {
  timeZone: 'Europe/Paris',
  startDate: '2026-09-01',
  endDate: '2027-07-02',
  holidays: [
    { name: 'Vacances de la Toussaint', startDate: '2026-10-18', endDate: '2026-11-01' },
    { name: 'Vacances de Noël', startDate: '2026-12-20', endDate: '2027-01-03' },
    { name: "Vacances d'hiver", startDate: '2027-02-07', endDate: '2027-02-21' },
    { name: 'Vacances de printemps', startDate: '2027-04-04', endDate: '2027-04-18' },
  ],
  publicHolidays: [
    { date: '2026-11-11', name: 'Armistice 1918' },
    { date: '2026-12-25', name: 'Noël' },
    { date: '2027-01-01', name: "Jour de l'an" },
    { date: '2027-03-29', name: 'Lundi de Pâques' },
    { date: '2027-05-01', name: 'Fête du Travail' },
    { date: '2027-05-06', name: 'Ascension' },
    { date: '2027-05-07', name: "Pont de l'Ascension" },
    { date: '2027-05-08', name: 'Victoire 1945' },
    { date: '2027-05-17', name: 'Lundi de Pentecôte' },
  ],
  closures: [],
  alternations: {},
};

/** The same school year with no holidays at all: every week of the year has its sessions. */
export const WITHOUT_HOLIDAYS: SchoolCalendar = { ...PARIS_2026_2027, holidays: [], publicHolidays: [] };

/** A course with the fields a test does not care about filled in. */
export function course(fields: Partial<Course> & Pick<Course, 'id' | 'weekday' | 'startTime'>): Course {
  return { teacherIds: ['t-dupont'], groupIds: ['g-4b'], roomIds: ['r-s14'], durationMinutes: 55, weeks: 'all', ...fields };
}
