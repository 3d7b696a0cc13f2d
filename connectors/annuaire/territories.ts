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

/** Each académie's région (INSEE code), the legacy académies included (§7.4). */
const REGION_BY_ACADEMIE: Record<string, string> = {
  '01': '11', '02': '93', '03': '27', '04': '75', '05': '28', '06': '84', '07': '27', '08': '84', '09': '32', '10': '84',
  '11': '76', '12': '44', '13': '75', '14': '53', '15': '44', '16': '76', '17': '52', '18': '24', '19': '44', '20': '32',
  '21': '28', '22': '75', '23': '93', '24': '11', '25': '11', '27': '94', '28': '04', '31': '02', '32': '01', '33': '03',
  '43': '06', '70': '28',
};

/** The académies by name as AAF writes them (`ENTServAcAcademie`: `AIX-MARSEILLE`, `LILLE`), normalised. */
const ACADEMIE_BY_NAME: Record<string, string> = {
  PARIS: '01', AIX_MARSEILLE: '02', BESANCON: '03', BORDEAUX: '04', CAEN: '05', CLERMONT_FERRAND: '06', CLERMONT: '06',
  DIJON: '07', GRENOBLE: '08', LILLE: '09', LYON: '10', MONTPELLIER: '11', NANCY_METZ: '12', POITIERS: '13', RENNES: '14',
  STRASBOURG: '15', TOULOUSE: '16', NANTES: '17', ORLEANS_TOURS: '18', REIMS: '19', AMIENS: '20', ROUEN: '21', LIMOGES: '22',
  NICE: '23', CRETEIL: '24', VERSAILLES: '25', CORSE: '27', LA_REUNION: '28', REUNION: '28', MARTINIQUE: '31',
  GUADELOUPE: '32', GUYANE: '33', MAYOTTE: '43', NORMANDIE: '70',
};

/** Each académie's départements (codes on three characters). */
const DEPARTEMENTS_BY_ACADEMIE: Record<string, string> = {
  '01': '075', '02': '004 005 013 084', '03': '025 039 070 090', '04': '024 033 040 047 064', '06': '003 015 043 063',
  '07': '021 058 071 089', '08': '007 026 038 073 074', '09': '059 062', '10': '001 042 069', '11': '011 030 034 048 066',
  '12': '054 055 057 088', '13': '016 017 079 086', '14': '022 029 035 056', '15': '067 068', '16': '009 012 031 032 046 065 081 082',
  '17': '044 049 053 072 085', '18': '018 028 036 037 041 045', '19': '008 010 051 052', '20': '002 060 080', '22': '019 023 087',
  '23': '006 083', '24': '077 093 094', '25': '078 091 092 095', '27': '02A 02B', '28': '974', '31': '972', '32': '971',
  '33': '973', '43': '976', '70': '014 027 050 061 076',
};
const ACADEMIE_BY_DEPARTEMENT = new Map(Object.entries(DEPARTEMENTS_BY_ACADEMIE)
  .flatMap(([academie, departements]) => departements.split(' ').map((departement) => [departement, academie] as const)));

/** Where an establishment is, as far as its identifiers and address tell. */
export interface Territory {
  departementCode?: string;
  academieCode: string;
  regionCode: string;
  holidayZone?: string;
}

/** A name as the tables key it: upper case, without accents, words joined by `_` (`Aix-Marseille` → `AIX_MARSEILLE`). */
export function placeKey(name: string): string {
  return name.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toUpperCase().replace(/[^A-Z0-9]+/g, '_').replace(/^_|_$/g, '');
}

/**
 * The département a UAI's first three digits name (`0691234S` → `069`; Corse's `620` and `720` → `02A`,
 * `02B`), or undefined when they name none (test feeds invent UAIs).
 */
export function departementOfUai(uai: string): string | undefined {
  const prefix = uai.slice(0, 3);
  const code = prefix === '620' ? '02A' : prefix === '720' ? '02B' : prefix;
  return ACADEMIE_BY_DEPARTEMENT.has(code) ? code : undefined;
}

/** The département of a postal code (`69001` → `069`, `20000` → `02A`, `97400` → `974`), or undefined. */
export function departementOfPostalCode(postalCode: string): string | undefined {
  if (!/^[0-9]{5}$/.test(postalCode)) return undefined;
  const code = postalCode.startsWith('97') ? postalCode.slice(0, 3)
    : postalCode.startsWith('20') ? (Number(postalCode) < 20200 ? '02A' : '02B')
      : `0${postalCode.slice(0, 2)}`;
  return ACADEMIE_BY_DEPARTEMENT.has(code) ? code : undefined;
}

/** An académie's code from its name as sources write it (`AIX-MARSEILLE`, `Orléans-Tours`), or undefined. */
export function academieOfName(name: string): string | undefined {
  return ACADEMIE_BY_NAME[placeKey(name)];
}

/**
 * The territory of an establishment from its département (which fixes the académie), or else from the académie
 * its source names; undefined when neither is known.
 */
export function territoryOf(departementCode: string | undefined, academieCode: string | undefined): Territory | undefined {
  const academie = (departementCode && ACADEMIE_BY_DEPARTEMENT.get(departementCode)) || academieCode;
  const region = academie ? REGION_BY_ACADEMIE[academie] : undefined;
  if (!academie || !region) return undefined;
  const holidayZone = holidayZoneOf(academie);
  return { ...(departementCode ? { departementCode } : {}), academieCode: academie, regionCode: region, ...(holidayZone ? { holidayZone } : {}) };
}

/** The département of an INSEE commune code: `69123` → `069`, `2A004` → `02A`, `97411` → `974`. */
export function departementOfCommune(code: string): string {
  return /^9[78]/.test(code) ? code.slice(0, 3) : `0${code.slice(0, 2)}`;
}
