// ONDE pupil exports for tests: `count` invented pupils in two classes, of which any subset is exported.
import iconv from 'iconv-lite';
import { ineWithKey } from '../../gateway/model/identifiers.js';

const HEADER = "Nom élève;Nom d'usage élève;Prénom élève;Date naissance;INE;Niveau;Libellé classe;Identifiant classe";
// A personalised extraction's responsables columns (connectors/onde/guardians.ts).
const GUARDIAN_HEADER = 'Civilité responsable 1;Nom responsable 1;Prénom responsable 1;Lien de parenté responsable 1;Adresse responsable 1;CP responsable 1;'
  + 'Commune responsable 1;Pays responsable 1;Courriel responsable 1;Téléphone domicile responsable 1;Téléphone travail responsable 1;Téléphone portable responsable 1;'
  + 'Autorité parentale responsable 1';

/** `guardians`: each pair of pupils (0 and 1, 2 and 3…) are siblings whose mother the export names, with her contacts. */
export function ondePupils(count: number, inePrefix = '10170', options: { guardians?: boolean } = {}) {
  const ines = Array.from({ length: count }, (_, i) => ineWithKey(`${inePrefix}${String(i).padStart(10 - inePrefix.length, '0')}`));
  const half = Math.ceil(count / 2);
  const family = (i: number) => Math.floor(i / 2);
  const guardian = (i: number) => `;MME;Famille${family(i)};Mère${family(i)};MERE;${family(i) + 1} rue des Écoles;69003;LYON;FRANCE;mere${family(i)}@example.org;;;06 39 98 00 ${String(family(i) % 100).padStart(2, '0')};Oui`;
  const line = (i: number) => `Famille${i};;Prénom${i};0${(i % 9) + 1}/05/2017;${ines[i]};${i < half ? 'CE2' : 'CM1'};Classe ${i < half ? 'A' : 'B'};${i < half ? 'A' : 'B'}${options.guardians ? guardian(i) : ''}`;
  return {
    all: Array.from({ length: count }, (_, i) => i),
    /** The export (windows-1252, CRLF, as ONDE writes it) holding the given pupils. */
    exportOf: (pupils: number[]): Buffer => iconv.encode([options.guardians ? `${HEADER};${GUARDIAN_HEADER}` : HEADER, ...pupils.map(line)].join('\r\n'), 'windows-1252'),
  };
}
