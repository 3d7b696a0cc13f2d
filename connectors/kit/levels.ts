// The normalised level vocabulary (schemas/common.schema.json#/$defs/level) and how each source's codes map to
// it: ONDE's `Niveau` (CP, CE2…), AAF's `ENTEleveNivFormation`/`ENTEleveNiveau`/MEF labels, STS-Web's MEF and
// division labels, and 11-character MEF codes. An MEF code reads as: characters 1-3 the dispositif de formation
// (100 = 6e, 247 = bac pro en 3 ans…), 9 the length of the cycle in years, 10 the year within it (checked
// against the MefEducNat nomenclature of a real AAF delivery: 24731402320 is `1ERE PRO`, 31133109220 `2BTS2`).
import type { ConnectorProblem, SourcePosition } from './problem.js';

/**
 * First degree TPS…CM2; collège 6E…3E (SEGPA and 3e prépa-métiers classes take their year); lycée 2DE, 1RE, TLE
 * (technological tracks too); vocational CAP1…CAP3 (year of a CAP), 2PRO, 1PRO, TPRO (bac pro); post-bac
 * BTS1…BTS3, CPGE1, CPGE2; ULIS (CLIS, UPI); OTHER for a dispositif known to the MEF nomenclature that is none
 * of these (BEP, mentions complémentaires, classes relais, adult training…).
 */
export const LEVELS = [
  'TPS', 'PS', 'MS', 'GS', 'CP', 'CE1', 'CE2', 'CM1', 'CM2',
  '6E', '5E', '4E', '3E', '2DE', '1RE', 'TLE',
  'CAP1', 'CAP2', 'CAP3', '2PRO', '1PRO', 'TPRO',
  'BTS1', 'BTS2', 'BTS3', 'CPGE1', 'CPGE2', 'ULIS', 'OTHER',
] as const;
export type Level = (typeof LEVELS)[number];

/** The longest source code kept as `levelSource` (schemas). */
const SOURCE_MAX = 100;

type ByYear = (year: number) => Level | undefined;
const fixed = (level: Level): ByYear => () => level;
const years = (...levels: Level[]): ByYear => (year) => levels[year - 1];

/** MEF dispositifs (first three characters) → the level of each year of the cycle. */
const DISPOSITIFS: Record<string, ByYear> = {
  '000': (year) => ({ 1: 'PS', 2: 'MS', 3: 'GS' } as Record<number, Level>)[year], '004': fixed('TPS'),
  '001': fixed('CP'), '002': years('CE1', 'CE2'), '003': years('CM1', 'CM2'),
  '060': fixed('ULIS'), '061': fixed('ULIS'), '062': fixed('ULIS'), '106': fixed('ULIS'),
  '100': fixed('6E'), '101': fixed('5E'), '102': fixed('4E'), '103': fixed('3E'),
  '164': fixed('6E'), '165': fixed('5E'), '166': fixed('4E'), '167': fixed('3E'),
  '200': fixed('2DE'), '210': fixed('2DE'), '201': fixed('1RE'), '211': fixed('1RE'), '213': fixed('1RE'),
  '202': fixed('TLE'), '212': fixed('TLE'), '214': fixed('TLE'),
  '240': fixed('CAP1'), '241': years('CAP1', 'CAP2'), '242': years('CAP1', 'CAP2', 'CAP3'),
  '270': fixed('CAP1'), '271': years('CAP1', 'CAP2'),
  '247': years('2PRO', '1PRO', 'TPRO'), '276': years('2PRO', '1PRO', 'TPRO'),
  '245': fixed('1PRO'), '246': fixed('TPRO'), '273': years('1PRO', 'TPRO'),
  '300': fixed('CPGE1'), '301': years('CPGE1', 'CPGE2'),
  '310': fixed('BTS1'), '311': years('BTS1', 'BTS2'), '312': years('BTS1', 'BTS2', 'BTS3'),
  '370': fixed('BTS1'), '371': years('BTS1', 'BTS2'),
};

/** The level of an 11-character MEF code, OTHER for a dispositif outside the vocabulary; undefined for no MEF code. */
export function levelOfMefCode(code: string): Level | undefined {
  if (!/^[0-9]{3}[0-9A-Z]{5}[0-9]{2}[0-9A-Z]$/.test(code)) return undefined;
  const year = Number(code[9]);
  return DISPOSITIFS[code.slice(0, 3)]?.(year) ?? 'OTHER';
}

/** Label patterns, tried in order on the upper-case, accent-free label: vocational tracks before general ones. */
const LABELS: [RegExp, Level][] = [
  [/^(TPS|TOUTE PETITE SECTION)\b/, 'TPS'], [/^(PS|PETITE SECTION)\b/, 'PS'], [/^(MS|MOYENNE SECTION)\b/, 'MS'], [/^(GS|GRANDE SECTION)\b/, 'GS'],
  [/^(CP|COURS PREPARATOIRE)\b/, 'CP'], [/^CE ?1\b/, 'CE1'], [/^CE ?2\b/, 'CE2'], [/^CM ?1\b/, 'CM1'], [/^CM ?2\b/, 'CM2'],
  [/^(ULIS|CLIS|UPI)\b/, 'ULIS'],
  [/^(2 ?(NDE?|DE)? ?PRO|2NDPRO|BAC PRO 3 ANS ?: ?2NDE)/, '2PRO'], [/^(1 ?(ERE|RE)? ?PRO|PREPRO|BAC PRO 3 ANS ?: ?1ERE)/, '1PRO'],
  [/^(T(LE|ERM|ERMINALE)? ?PRO|TERPRO|BAC PRO 3 ANS ?: ?T)/, 'TPRO'],
  [/^(1 ?CAP ?[123]|CAP ?1)\b/, 'CAP1'], [/^(2 ?CAP ?[23]|CAP ?2|T ?CAP)\b/, 'CAP2'], [/^(3 ?CAP ?3|CAP ?3)\b/, 'CAP3'],
  [/^(1 ?BTS ?[123]|BTS ?1)\b/, 'BTS1'], [/^(2 ?BTS ?[23]|BTS ?2)\b/, 'BTS2'], [/^(3 ?BTS ?3|BTS ?3)\b/, 'BTS3'],
  [/^CPGE ?1\b/, 'CPGE1'], [/^CPGE ?2\b/, 'CPGE2'],
  [/^(6 ?E(ME)?|SIXIEME)\b/, '6E'], [/^(5 ?E(ME)?|CINQUIEME)\b/, '5E'], [/^(4 ?E(ME)?|QUATRIEME)\b/, '4E'], [/^(3 ?E(ME)?|TROISIEME)\b/, '3E'],
  [/^(2 ?(NDE?|DE)|SECONDE)/, '2DE'], [/^(1 ?(ERE|RE)|PREMIERE)/, '1RE'], [/^(TLE|TERM|TERMINALE)\b/, 'TLE'],
  // Second-degree track names: 1S, 1ES, 1-ST2S, TSTMG…
  [/^1 ?-?(S|ES|L|ST[A-Z0-9]*)\b/, '1RE'], [/^T ?-?(S|ES|L|ST[A-Z0-9]*)\b/, 'TLE'],
];

const plain = (text: string) => text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toUpperCase().replace(/\s+/g, ' ').trim();

/** The level a label names (`3EME`, `CE2`, `2NDE GT`, `BAC PRO 3 ANS : 2NDE PRO`), if any. */
export function levelOfLabel(label: string): Level | undefined {
  const text = plain(label);
  return LABELS.find(([pattern]) => pattern.test(text))?.[1];
}

/** A source's level code or label, MEF code first: `10310019110`, `3EME` and `3E` are all 3E. */
export function normaliseLevel(source: string): Level | undefined {
  const text = plain(source);
  return levelOfMefCode(text) ?? levelOfLabel(text);
}

/** What a record holds of a source's level: the normalised `level` and the source's own code as `levelSource`. */
export interface LevelFields {
  level?: Level;
  levelSource?: string;
}

/**
 * The level fields of the first of `sources` that names a level (an MEF code before its label, say), with the
 * first source kept as `levelSource`; a warning when none does: the record keeps `levelSource`, without a level.
 */
export function levelFields(sources: (string | undefined)[], position: SourcePosition, field: string): { fields: LevelFields; problems: ConnectorProblem[] } {
  const given = sources.map((s) => s?.replace(/\s+/g, ' ').trim()).filter((s): s is string => !!s);
  if (given.length === 0) return { fields: {}, problems: [] };
  const levelSource = given[0].slice(0, SOURCE_MAX);
  const level = given.map(normaliseLevel).find((l) => l !== undefined);
  if (level) return { fields: { level, levelSource }, problems: [] };
  return {
    fields: { levelSource },
    problems: [{ ...position, field, code: 'unknown-level', severity: 'warning', detail: `${field} is "${given.join('" / "')}", which names no level of the vocabulary (${LEVELS.join(', ')}); kept as levelSource, without a level` }],
  };
}
