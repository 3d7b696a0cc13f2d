// ONDE pupil exports for tests: `count` invented pupils in two classes, of which any subset is exported.
import iconv from 'iconv-lite';
import { ineWithKey } from '../../gateway/model/identifiers.js';

const HEADER = "Nom élève;Nom d'usage élève;Prénom élève;Date naissance;INE;Niveau;Libellé classe;Identifiant classe";

export function ondePupils(count: number, inePrefix = '10170') {
  const ines = Array.from({ length: count }, (_, i) => ineWithKey(`${inePrefix}${String(i).padStart(10 - inePrefix.length, '0')}`));
  const half = Math.ceil(count / 2);
  const line = (i: number) => `Famille${i};;Prénom${i};0${(i % 9) + 1}/05/2017;${ines[i]};${i < half ? 'CE2' : 'CM1'};Classe ${i < half ? 'A' : 'B'};${i < half ? 'A' : 'B'}`;
  return {
    all: Array.from({ length: count }, (_, i) => i),
    /** The export (windows-1252, CRLF, as ONDE writes it) holding the given pupils. */
    exportOf: (pupils: number[]): Buffer => iconv.encode([HEADER, ...pupils.map(line)].join('\r\n'), 'windows-1252'),
  };
}
