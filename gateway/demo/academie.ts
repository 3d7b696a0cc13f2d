// The demo's invented académie and its school year, with the holidays of each zone.

/** The invented académie: real-looking codes (Lyon's académie and région, two of its départements), invented names. */
export const DEMO_ACADEMIE = Object.freeze({
  code: '10',
  name: 'Académie de démonstration',
  regionCode: '84',
  holidayZone: 'A',
  timeZone: 'Europe/Paris',
  departements: Object.freeze(['069', '001']),
});

export const DEMO_YEAR = Object.freeze({ code: '2026-2027', startDate: '2026-09-01', endDate: '2027-07-03' });

// 2026-2027 as announced (french-formats.md §7.1b, secondary sources; confirm against fr-en-calendrier-scolaire
// before relying on them). Each holiday runs from the first day without classes to the last one, inclusive.
const COMMON_HOLIDAYS = [
  { name: 'Vacances de la Toussaint', startDate: '2026-10-17', endDate: '2026-11-01' },
  { name: 'Armistice 1918', startDate: '2026-11-11', endDate: '2026-11-11' },
  { name: 'Vacances de Noël', startDate: '2026-12-19', endDate: '2027-01-03' },
  { name: 'Lundi de Pâques', startDate: '2027-03-29', endDate: '2027-03-29' },
  { name: "Pont de l'Ascension", startDate: '2027-05-06', endDate: '2027-05-09' },
  { name: 'Lundi de Pentecôte', startDate: '2027-05-17', endDate: '2027-05-17' },
];
const ZONE_HOLIDAYS: Record<string, { winter: [string, string]; spring: [string, string] }> = {
  A: { winter: ['2027-02-13', '2027-02-28'], spring: ['2027-04-10', '2027-04-25'] },
  B: { winter: ['2027-02-20', '2027-03-07'], spring: ['2027-04-17', '2027-05-02'] },
  C: { winter: ['2027-02-06', '2027-02-21'], spring: ['2027-04-03', '2027-04-18'] },
};

export function holidaysForZone(zone: string): { name: string; startDate: string; endDate: string }[] {
  const staggered = ZONE_HOLIDAYS[zone] ?? ZONE_HOLIDAYS.A;
  return [
    ...COMMON_HOLIDAYS,
    { name: "Vacances d'hiver", startDate: staggered.winter[0], endDate: staggered.winter[1] },
    { name: 'Vacances de printemps', startDate: staggered.spring[0], endDate: staggered.spring[1] },
  ].sort((a, b) => a.startDate.localeCompare(b.startDate));
}
