// The school-holiday zones of the national calendar, and the `zones` labels of the open dataset
// `fr-en-calendrier-scolaire` that name them (`Zone A`, `Corse`, `Guadeloupe`, `La Réunion`, `Nouvelle Calédonie`…).

/** Our holiday zone codes: the three metropolitan zones, Corse, and each overseas territory's own calendar. */
export const HOLIDAY_ZONES = [
  'A', 'B', 'C', 'corse', 'guadeloupe', 'martinique', 'guyane', 'reunion', 'mayotte', 'nouvelle-caledonie', 'polynesie',
  'saint-pierre-et-miquelon', 'wallis-et-futuna',
] as const;

export type HolidayZone = (typeof HOLIDAY_ZONES)[number];

/** A label reduced to lower-case letters and digits: `Zone A`, `zone-a` and `ZONE_A` all read `zonea`. */
function labelKey(label: string): string {
  return label.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '');
}

const ZONE_BY_LABEL: Record<string, HolidayZone> = {
  zonea: 'A', zoneb: 'B', zonec: 'C', a: 'A', b: 'B', c: 'C',
  corse: 'corse',
  guadeloupe: 'guadeloupe',
  martinique: 'martinique',
  guyane: 'guyane',
  reunion: 'reunion', lareunion: 'reunion',
  mayotte: 'mayotte',
  nouvellecaledonie: 'nouvelle-caledonie',
  polynesie: 'polynesie', polynesiefrancaise: 'polynesie',
  saintpierreetmiquelon: 'saint-pierre-et-miquelon', stpierreetmiquelon: 'saint-pierre-et-miquelon',
  wallisetfutuna: 'wallis-et-futuna',
};

/** The holiday zone a dataset label names, with or without accents, spaces or hyphens; undefined when none. */
export function holidayZoneOfLabel(label: string): HolidayZone | undefined {
  return ZONE_BY_LABEL[labelKey(label)];
}

/** Whether a text is one of our holiday zone codes. */
export function isHolidayZone(code: string): code is HolidayZone {
  return (HOLIDAY_ZONES as readonly string[]).includes(code);
}
