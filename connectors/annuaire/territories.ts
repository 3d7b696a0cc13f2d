// Académies and their school-holiday zones (shared/design/french-formats.md §7.1 and §7.4).

const ZONE_BY_ACADEMIE: Record<string, string> = {
  // Zone A: Besançon, Bordeaux, Clermont-Ferrand, Dijon, Grenoble, Limoges, Lyon, Poitiers.
  '03': 'A', '04': 'A', '06': 'A', '07': 'A', '08': 'A', '22': 'A', '10': 'A', '13': 'A',
  // Zone B: Aix-Marseille, Amiens, Lille, Nancy-Metz, Nantes, Nice, Normandie (and the former Caen and Rouen),
  // Orléans-Tours, Reims, Rennes, Strasbourg.
  '02': 'B', '20': 'B', '09': 'B', '12': 'B', '17': 'B', '23': 'B', '70': 'B', '05': 'B', '21': 'B', '18': 'B',
  '19': 'B', '14': 'B', '15': 'B',
  // Zone C: Créteil, Montpellier, Paris, Toulouse, Versailles.
  '24': 'C', '11': 'C', '01': 'C', '16': 'C', '25': 'C',
  // Corse and the overseas académies have calendars of their own.
  '27': 'corse', '28': 'reunion', '31': 'martinique', '32': 'guadeloupe', '33': 'guyane', '43': 'mayotte',
};

/** The holiday zone of an académie, or undefined when it has none on record. */
export function holidayZoneOf(academieCode: string): string | undefined {
  return ZONE_BY_ACADEMIE[academieCode];
}

/** A département code on the three characters the canonical model uses (`69` → `069`, `2A` → `02A`). */
export function departementCode(code: string): string {
  const trimmed = code.trim().toUpperCase();
  return trimmed.length === 2 ? `0${trimmed}` : trimmed;
}
