import { describe, expect, it } from 'vitest';
import { holidayZoneOfDepartement, timeZoneOf } from '../../gateway/timetable/calendar/zones.js';

describe('the time zone and holiday zone of a place', () => {
  it('gives each holiday zone its IANA time zone', () => {
    expect(['A', 'B', 'C', 'corse', 'guadeloupe', 'martinique', 'guyane', 'reunion', 'mayotte', 'saint-pierre-et-miquelon',
      'nouvelle-caledonie', 'polynesie', 'wallis-et-futuna'].map(timeZoneOf)).toEqual([
      'Europe/Paris', 'Europe/Paris', 'Europe/Paris', 'Europe/Paris', 'America/Guadeloupe', 'America/Martinique', 'America/Cayenne',
      'Indian/Reunion', 'Indian/Mayotte', 'America/Miquelon', 'Pacific/Noumea', 'Pacific/Tahiti', 'Pacific/Wallis',
    ]);
  });

  it('gives a département its time zone, written on two or three characters', () => {
    expect(['69', '075', '2A', '971', '972', '973', '974', '976', '975', '988', '987', '986'].map(timeZoneOf)).toEqual([
      'Europe/Paris', 'Europe/Paris', 'Europe/Paris', 'America/Guadeloupe', 'America/Martinique', 'America/Cayenne', 'Indian/Reunion',
      'Indian/Mayotte', 'America/Miquelon', 'Pacific/Noumea', 'Pacific/Tahiti', 'Pacific/Wallis',
    ]);
    expect(timeZoneOf('999')).toBeUndefined();
  });

  it('gives a département the holiday zone of its académie, or of its collectivity', () => {
    expect(['069', '59', '75', '2B', '974', '988', '975'].map(holidayZoneOfDepartement)).toEqual(['A', 'B', 'C', 'corse', 'reunion', 'nouvelle-caledonie', 'saint-pierre-et-miquelon']);
    expect(holidayZoneOfDepartement('999')).toBeUndefined();
  });
});
