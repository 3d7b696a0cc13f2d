// Where an establishment's calendar lives: the IANA time zone of a holiday zone or département, and the holiday
// zone of a département when the establishment's record has none. Académies' zones come from the annuaire
// connector's territories (one table of them); the overseas collectivities outside its académies are added here.
import { HOLIDAY_ZONES, isHolidayZone, type HolidayZone } from '../../../connectors/calendrier-scolaire/zones.js';
import { departementCode, territoryOf } from '../../../connectors/annuaire/territories.js';

export { HOLIDAY_ZONES, isHolidayZone, type HolidayZone };

const TIME_ZONE_BY_HOLIDAY_ZONE: Record<HolidayZone, string> = {
  A: 'Europe/Paris', B: 'Europe/Paris', C: 'Europe/Paris', corse: 'Europe/Paris',
  guadeloupe: 'America/Guadeloupe',
  martinique: 'America/Martinique',
  guyane: 'America/Cayenne',
  reunion: 'Indian/Reunion',
  mayotte: 'Indian/Mayotte',
  'saint-pierre-et-miquelon': 'America/Miquelon',
  'nouvelle-caledonie': 'Pacific/Noumea',
  polynesie: 'Pacific/Tahiti',
  'wallis-et-futuna': 'Pacific/Wallis',
};

/**
 * The collectivities with a school calendar of their own but no académie in the territories table (a
 * vice-rectorat, or Saint-Pierre-et-Miquelon's service de l'éducation).
 */
const HOLIDAY_ZONE_OF_COLLECTIVITY: Record<string, HolidayZone> = {
  '975': 'saint-pierre-et-miquelon', '986': 'wallis-et-futuna', '987': 'polynesie', '988': 'nouvelle-caledonie',
};

/** The holiday zone of a département (`69`, `069`, `2A`, `974`, `988`), or undefined when none is known. */
export function holidayZoneOfDepartement(code: string): HolidayZone | undefined {
  const departement = departementCode(code);
  const zone = HOLIDAY_ZONE_OF_COLLECTIVITY[departement] ?? territoryOf(departement, undefined)?.holidayZone;
  return zone !== undefined && isHolidayZone(zone) ? zone : undefined;
}

/**
 * The IANA time zone of a holiday zone (`A`, `reunion`) or of a département code (`974`, `69`, `2B`);
 * undefined when the code is neither.
 */
export function timeZoneOf(code: string): string | undefined {
  const zone = isHolidayZone(code) ? code : holidayZoneOfDepartement(code);
  return zone ? TIME_ZONE_BY_HOLIDAY_ZONE[zone] : undefined;
}
