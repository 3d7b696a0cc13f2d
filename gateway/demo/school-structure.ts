// The demo's school structure: the levels of écoles, collèges and lycées with their class codes, the subjects
// each type teaches, and how establishments of each type are laid out in the académie.
import type { EstablishmentType } from './generate.js';

export interface SchoolLevel {
  /** On the normalised vocabulary (schemas/common.schema.json#/$defs/level). */
  code: string;
  /** As a source such as STS-Web would label it: records keep it as `levelSource`. */
  source: string;
  /** Years after CP: a pupil at rank r was born in 2020 − r for the 2026 rentrée. */
  rank: number;
  divisionCode: (n: number) => string;
  divisionName: (n: number) => string;
}

const letter = (n: number): string => String.fromCharCode(65 + (n % 26)) + (n >= 26 ? String(Math.floor(n / 26)) : '');
const ECOLE_LEVELS: SchoolLevel[] = ['CP', 'CE1', 'CE2', 'CM1', 'CM2'].map((code, rank) => ({
  code,
  source: code,
  rank,
  divisionCode: (n) => `${code}-${letter(n)}`,
  divisionName: (n) => `${code} ${letter(n)}`,
}));
const COLLEGE_LEVELS: SchoolLevel[] = ['6E', '5E', '4E', '3E'].map((code, i) => ({
  code,
  source: `${code[0]}EME`,
  rank: 5 + i,
  divisionCode: (n) => `${code[0]}${letter(n)}`,
  divisionName: (n) => `${code[0]}e ${letter(n)}`,
}));
const LYCEE_LEVELS: SchoolLevel[] = [
  { code: '2DE', source: '2NDE GT', rank: 9, divisionCode: (n) => `2NDE${n + 1}`, divisionName: (n) => `Seconde ${n + 1}` },
  { code: '1RE', source: '1ERE G', rank: 10, divisionCode: (n) => `1G${n + 1}`, divisionName: (n) => `Première générale ${n + 1}` },
  { code: 'TLE', source: 'TLE G', rank: 11, divisionCode: (n) => `TG${n + 1}`, divisionName: (n) => `Terminale générale ${n + 1}` },
];

/** Functions as AAF names them: every teacher teaches; staff direct, then run the vie scolaire. */
export const TEACHER_FUNCTION = { code: 'ENS', label: 'ENSEIGNEMENT' };
export const STAFF_FUNCTIONS = [{ code: 'DIR', label: 'DIRECTION' }, { code: 'EDU', label: 'EDUCATION' }];

// Short codes in the style of STS-Web's CODE_GESTION; the demo does not claim national (BCN) codes.
export const SUBJECTS: Record<string, string> = {
  FRANC: 'Français', MATHS: 'Mathématiques', QLM: 'Questionner le monde', LVE: 'Langue vivante étrangère',
  EMC: 'Enseignement moral et civique', HIGEO: 'Histoire-géographie', AGL1: 'Anglais LV1',
  ESP2: 'Espagnol LV2', ALL2: 'Allemand LV2', SVT: 'Sciences de la vie et de la Terre', 'PH-CH': 'Physique-chimie',
  TECHN: 'Technologie', EPS: 'Éducation physique et sportive', 'A-PLA': 'Arts plastiques',
  'ED-MU': 'Éducation musicale', LCALA: 'Latin', SES: 'Sciences économiques et sociales', PHILO: 'Philosophie',
  SNT: 'Sciences numériques et technologie', NSI: 'Numérique et sciences informatiques',
  HGGSP: 'Histoire-géographie, géopolitique et sciences politiques',
};

export interface TypeProfile {
  label: string;
  levels: SchoolLevel[];
  subjects: string[];
  /** Teachers' subjects, in the order a small staff is filled. */
  teacherSubjects: string[];
  /** Subjects a division is taught as a whole, by level. */
  divisionSubjects: (level: string) => string[];
  classSize: number;
  weight: number;
}

export const SPECIALTIES = ['MATHS', 'PH-CH', 'SVT', 'SES', 'HGGSP', 'NSI'];
export const PROFILES: Record<EstablishmentType, TypeProfile> = {
  ecole: {
    label: 'École élémentaire',
    levels: ECOLE_LEVELS,
    subjects: ['FRANC', 'MATHS', 'QLM', 'LVE', 'EMC', 'EPS', 'A-PLA', 'ED-MU'],
    teacherSubjects: [],
    divisionSubjects: () => [],
    classSize: 24,
    weight: 1,
  },
  college: {
    label: 'Collège',
    levels: COLLEGE_LEVELS,
    subjects: ['FRANC', 'MATHS', 'HIGEO', 'AGL1', 'ESP2', 'ALL2', 'SVT', 'PH-CH', 'TECHN', 'EPS', 'A-PLA', 'ED-MU', 'LCALA'],
    teacherSubjects: ['FRANC', 'MATHS', 'HIGEO', 'AGL1', 'SVT', 'EPS', 'PH-CH', 'TECHN', 'ESP2', 'A-PLA', 'ED-MU', 'ALL2'],
    divisionSubjects: () => ['FRANC', 'MATHS', 'HIGEO', 'AGL1', 'SVT', 'PH-CH', 'TECHN', 'EPS', 'A-PLA', 'ED-MU'],
    classSize: 26,
    weight: 2.4,
  },
  lycee: {
    label: 'Lycée',
    levels: LYCEE_LEVELS,
    subjects: ['FRANC', 'MATHS', 'HIGEO', 'AGL1', 'ESP2', 'ALL2', 'SVT', 'PH-CH', 'SES', 'PHILO', 'SNT', 'NSI', 'HGGSP', 'EPS'],
    teacherSubjects: ['FRANC', 'MATHS', 'HIGEO', 'AGL1', 'PH-CH', 'SVT', 'EPS', 'SES', 'PHILO', 'ESP2', 'NSI', 'ALL2', 'HGGSP', 'SNT'],
    divisionSubjects: (level) =>
      level === '2DE'
        ? ['FRANC', 'MATHS', 'HIGEO', 'AGL1', 'SVT', 'PH-CH', 'SES', 'SNT', 'EPS']
        : level === '1RE'
          ? ['FRANC', 'HIGEO', 'AGL1', 'EPS']
          : ['PHILO', 'HIGEO', 'AGL1', 'EPS'],
    classSize: 30,
    weight: 3,
  },
};

// Per nine establishments: 4 écoles, 3 collèges, 2 lycées, interleaved so each kind spans both départements;
// the collège at position 6 is private.
export const TYPE_PATTERN: EstablishmentType[] = ['ecole', 'college', 'lycee', 'ecole', 'college', 'ecole', 'college', 'lycee', 'ecole'];
export const PRIVATE_POSITION = 6;
