// GAR access profiles (`GARPersonProfil`). Pupils, teachers and staff have one each; a staff member's depends
// on the AAF function code, grouped as the ODE GAR connector groups them (gar-connector GarConstants.java).
// Guardians have none: GAR-ENT describes no parents (GARRespAff is the staff member who assigns resources).
import type { GarPerson } from './records.js';

export type GarProfile = 'National_elv' | 'National_ens' | 'National_doc' | 'National_dir' | 'National_evs' | 'National_eta' | 'National_col';

const BY_FUNCTION: Readonly<Record<string, GarProfile>> = {
  ENS: 'National_ens',
  DOC: 'National_doc', CIO: 'National_doc', DCT: 'National_doc',
  DIR: 'National_dir',
  ...Object.fromEntries(['AED', 'AES', 'ASE', 'ASH', 'AVS', 'BED', 'CPE', 'EDU', 'EEI', 'FIJ', 'INJ', 'ORI', 'SUR'].map((code) => [code, 'National_evs'])),
  COL: 'National_col',
};

/**
 * The profile of a person who has one in GAR-ENT, undefined for guardians. Any other function code (ADM, LAB,
 * OUV, TEC…), or none, makes a staff member `National_eta`: administrative, technical or management staff.
 */
export function garProfile(person: Pick<GarPerson, 'kind' | 'functionCode'>): GarProfile | undefined {
  if (person.kind === 'guardian') return undefined;
  if (person.kind === 'pupil') return 'National_elv';
  const byFunction = person.functionCode ? BY_FUNCTION[person.functionCode.toUpperCase()] : undefined;
  return byFunction ?? (person.kind === 'teacher' ? 'National_ens' : 'National_eta');
}
