// A guardian's relationship to a pupil (`relationship` on guardianLink: mother, father, tutor, other) from the
// codes and labels of the sources. AAF's `ENTElevePersRelEleve` link field holds 1 (father) and 2 (mother):
// checked against the same pupils' ENTElevePere and ENTEleveMere in a real delivery; 3 (tutor) to 7 follow the
// AAF specification's list [UNVERIFIED beyond 1 and 2]. SIECLE's two-digit codes (10 mother, 20 father,
// 51 tutor, the others family, carers and services) reach AAF and ONDE exports too [UNVERIFIED]; ONDE writes
// labels (`MERE`, `PERE`, `TUTEUR`…).
import type { ConnectorProblem, SourcePosition } from './problem.js';

export const RELATIONSHIPS = ['mother', 'father', 'tutor', 'other'] as const;
export type Relationship = (typeof RELATIONSHIPS)[number];

const CODES: Record<string, Relationship> = {
  1: 'father', 2: 'mother', 3: 'tutor', 4: 'other', 5: 'other', 6: 'other', 7: 'other',
  10: 'mother', 20: 'father', 51: 'tutor',
  37: 'other', 38: 'other', 39: 'other', 41: 'other', 42: 'other', 50: 'other', 70: 'other', 80: 'other', 90: 'other',
};

const LABELS: [RegExp, Relationship][] = [
  [/^(MERE|MAMAN|MOTHER)$/, 'mother'], [/^(PERE|PAPA|FATHER)$/, 'father'], [/^(TUTEUR|TUTRICE|TUTOR)$/, 'tutor'],
  [/^(AUTRE|AUTRE LIEN|AUTRE MEMBRE DE LA FAMILLE|ASCENDANT|FRATRIE|EDUCATEUR|ASSISTANT FAMILIAL|ASE|AIDE SOCIALE A L'ENFANCE|GARDE A DOMICILE|ELEVE|OTHER)$/, 'other'],
];

/**
 * The relationship a source's code or label says; an unknown one is `other`, with a warning naming the value
 * (the link is kept: who the guardian is matters more than how it is related).
 */
export function relationshipOf(value: string, position: SourcePosition, field: string): { relationship: Relationship; problems: ConnectorProblem[] } {
  const text = value.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toUpperCase().replace(/\s+/g, ' ').trim();
  const known = /^[0-9]+$/.test(text) ? CODES[String(Number(text))] : LABELS.find(([pattern]) => pattern.test(text))?.[1];
  if (known) return { relationship: known, problems: [] };
  return {
    relationship: 'other',
    problems: [{ ...position, field, code: 'unknown-relationship', severity: 'warning', detail: `${field} is "${value}", which is no known relationship code; taken as "other"` }],
  };
}
