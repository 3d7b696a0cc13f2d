// Small timetable exports shaped like the real ones (UDT's UDCal files, the EDT_STS file, a Pronote iCalendar
// export), for the acceptance tests that import them into the store; each connector's own test reads richer ones.
import iconv from 'iconv-lite';
import type { SourceFile } from '../../gateway/sync/importer.js';
import { chunked } from './bytes.js';

/** A delivered file of the given bytes, read in small chunks. */
export function sourceFile(name: string, bytes: Buffer): SourceFile {
  return { name, size: bytes.length, open: () => chunked(bytes, 97) };
}

const udcal = (body: string[]): string => ['<?xml version="1.0" encoding="ISO-8859-1"?>', '<UDT>', ...body, '</UDT>', ''].join('\r\n');

/**
 * A UDT export: 6A's French on Monday 08:00 (MARTIN Luc), maths 09:00–11:00 (DUPONT Marie, epj 1001), PE on
 * Tuesday 08:00 for half groups 6A_G1 and 6A_G2 in the one gymnasium; week 38's own timetable drops Monday's French.
 */
export function udtExport(): SourceFile[] {
  const files: Record<string, string> = {
    'UDCal_24.xml': udcal(['<annee>2026</annee>', '<debut_eleve>01/09/2026</debut_eleve>', '<fin_eleve>03/07/2027</fin_eleve>']),
    'UDCal_00.xml': udcal(['<init premiere_semaine_ISO="36" duree_seq="3600"/>']),
    'semaines.xml': udcal(['<semaines>', '<semaine num="38"/>', '</semaines>']),
    'UDCal_03.xml': udcal(['<salle code="S01" nom="Salle 1"/>', '<salle code="S02" nom="Salle 2"/>', '<salle code="GYM" nom="Gymnase"/>']),
    'UDCal_04.xml': udcal([
      '<prof code="P1" epj="1001" nom="DUPONT" prenom="Marie" code_matppl="MATHS"/>',
      '<prof code="P2" epj="" nom="MARTIN" prenom="Luc" code_matppl="FR"/>',
      '<prof code="P4" epj="1004" nom="BERNARD" prenom="Paul" code_matppl="EPS"/>',
    ]),
    'UDCal_05.xml': udcal([
      '<mat code="FR" libelle="Français" code_gep1="020100"/>', '<mat code="MATHS" libelle="Mathématiques" code_gep1="061300"/>',
      '<mat code="EPS" libelle="EPS" code_gep1="100100"/>',
    ]),
    'UDCal_07.xml': udcal([
      '<demi_seq code="1" code_jour="1" code_site="1" hre_deb="08h00" hre_fin="09h00"/>',
      '<demi_seq code="2" code_jour="1" code_site="1" hre_deb="09h00" hre_fin="10h00"/>',
      '<demi_seq code="3" code_jour="1" code_site="1" hre_deb="10h00" hre_fin="11h00"/>',
      '<demi_seq code="4" code_jour="2" code_site="1" hre_deb="08h00" hre_fin="09h00"/>',
    ]),
    'UDCal_08.xml': udcal(['<div code="6A" code_gep="6A" libelle="6e A"/>']),
    'UDCal_19.xml': udcal(['<gpe code="G1" code_div="6A" code_sts="6A_G1" id="11"/>', '<gpe code="G2" code_div="6A" code_sts="6A_G2" id="12"/>']),
    'UDCal_11.xml': udcal([
      '<fiche code="001" jour="1" demi_seq="1" site="1"/>', '<fiche code="002" jour="1" demi_seq="2" site="1"/>',
      '<fiche code="003" jour="1" demi_seq="3" site="1"/>', '<fiche code="004" jour="2" demi_seq="4" site="1"/>',
    ]),
    'UDCal_12.xml': udcal([
      '<ligfiche code="00101" fic="001" div="6A" mat="FR" prof="P2" salle="S01" gpe="" rgpmt="0" idgpe=""/>',
      '<ligfiche code="00201" fic="002" div="6A" mat="MATHS" prof="P1" salle="S02" gpe="" rgpmt="0" idgpe=""/>',
      '<ligfiche code="00301" fic="003" div="6A" mat="MATHS" prof="P1" salle="S02" gpe="" rgpmt="0" idgpe=""/>',
      '<ligfiche code="00401" fic="004" div="6A" mat="EPS" prof="P4" salle="GYM" gpe="G1" rgpmt="0" idgpe="11"/>',
      '<ligfiche code="00402" fic="004" div="6A" mat="EPS" prof="P4" salle="GYM" gpe="G2" rgpmt="0" idgpe="12"/>',
    ]),
    'UDCal_12_38.xml': udcal([
      '<ligfiche code="00201" fic="002" div="6A" mat="MATHS" prof="P1" salle="S02" gpe="" rgpmt="0" idgpe=""/>',
      '<ligfiche code="00301" fic="003" div="6A" mat="MATHS" prof="P1" salle="S02" gpe="" rgpmt="0" idgpe=""/>',
      '<ligfiche code="00401" fic="004" div="6A" mat="EPS" prof="P4" salle="GYM" gpe="G1" rgpmt="0" idgpe="11"/>',
      '<ligfiche code="00402" fic="004" div="6A" mat="EPS" prof="P4" salle="GYM" gpe="G2" rgpmt="0" idgpe="12"/>',
    ]),
  };
  return Object.entries(files).map(([name, text]) => sourceFile(name, iconv.encode(text, 'latin1')));
}

const cours = (jour: number, debut: string, duree: string, salle: string, alternance?: string) =>
  `<COURS><CODE_SALLE>${salle}</CODE_SALLE><JOUR>${jour}</JOUR><HEURE_DEBUT>${debut}</HEURE_DEBUT><DUREE>${duree}</DUREE>${alternance ? `<CODE_ALTERNANCE>${alternance}</CODE_ALTERNANCE>` : ''}</COURS>`;
const service = (matiere: string, teachers: [string, string][]) =>
  `<SERVICE CODE_MATIERE="${matiere}" CODE_MOD_COURS="CG"><ENSEIGNANTS>${teachers.map(([id, lessons]) => `<ENSEIGNANT ID="${id}" TYPE="epp"><COURS_RATTACHES>${lessons}</COURS_RATTACHES></ENSEIGNANT>`).join('')}</ENSEIGNANTS></SERVICE>`;

/**
 * The EDT_STS file of `uai`: 4A's maths on Monday 08:00 (teacher 101), 4B's co-taught technology on Tuesday 14:00
 * (101 and 102), half groups 4A_G1 / 4A_G2 on Thursday 09:00 in weeks A and B.
 */
export function stsEdtExport(uai: string): SourceFile {
  const text = [
    '<?xml version="1.0" encoding="ISO-8859-1"?>',
    '<EDT_STS>',
    `<PARAMETRES><UAJ CODE="${uai}"/><ANNEE_SCOLAIRE ANNEE="2026"><DATE_DEBUT>01/09/2026</DATE_DEBUT><DATE_FIN>03/07/2027</DATE_FIN></ANNEE_SCOLAIRE></PARAMETRES>`,
    '<NOMENCLATURES><MATIERES><MATIERE CODE="061300"><LIBELLE_EDITION>Mathématiques</LIBELLE_EDITION></MATIERE></MATIERES></NOMENCLATURES>',
    '<DONNEES>',
    '<INDIVIDUS><INDIVIDU ID="101" TYPE="epp"><NOM_USAGE>DUPONT</NOM_USAGE><PRENOM>Anne</PRENOM></INDIVIDU><INDIVIDU ID="102" TYPE="epp"><NOM_USAGE>CŒUR</NOM_USAGE><PRENOM>Léa</PRENOM></INDIVIDU></INDIVIDUS>',
    '<STRUCTURE><DIVISIONS>',
    `<DIVISION CODE="4A"><SERVICES>${service('061300', [['101', cours(1, '0800', '0100', 'S12')]])}</SERVICES></DIVISION>`,
    `<DIVISION CODE="4B"><SERVICES>${service('030201', [['101', cours(2, '1400', '0200', 'LAB', 'H')], ['102', cours(2, '1400', '0200', 'LAB', 'H')]])}</SERVICES></DIVISION>`,
    '</DIVISIONS><GROUPES>',
    `<GROUPE CODE="4A_G1"><SERVICES>${service('030201', [['102', cours(4, '0900', '0100', 'LAB', 'A')]])}</SERVICES></GROUPE>`,
    `<GROUPE CODE="4A_G2"><SERVICES>${service('030201', [['102', cours(4, '0900', '0100', 'LAB', 'B')]])}</SERVICES></GROUPE>`,
    '</GROUPES></STRUCTURE>',
    '<ALTERNANCES>',
    '<ALTERNANCE CODE="A"><LIBELLE_LONG>Semaine A</LIBELLE_LONG><SEMAINES><DATE_DEBUT_SEMAINE>31/08/2026</DATE_DEBUT_SEMAINE><DATE_DEBUT_SEMAINE>14/09/2026</DATE_DEBUT_SEMAINE></SEMAINES></ALTERNANCE>',
    '<ALTERNANCE CODE="B"><LIBELLE_LONG>Semaine B</LIBELLE_LONG><SEMAINES><DATE_DEBUT_SEMAINE>07/09/2026</DATE_DEBUT_SEMAINE><DATE_DEBUT_SEMAINE>21/09/2026</DATE_DEBUT_SEMAINE></SEMAINES></ALTERNANCE>',
    '</ALTERNANCES>',
    '</DONNEES>',
    '</EDT_STS>',
  ].join('\r\n');
  return sourceFile(`sts_edt_${uai}.xml`, iconv.encode(text, 'windows-1252'));
}

function pronoteLesson(uid: string, start: string, end: string, subject: string, teacher: string, room: string, group: string, status?: string): string[] {
  return [
    'BEGIN:VEVENT', `CATEGORIES:Cours${status ? ` - ${status}` : ''}`, 'DTSTAMP:20260224T102543Z', `UID:${uid}`,
    `DTSTART:${start}`, `DTEND:${end}`,
    `SUMMARY;LANGUAGE=fr:${status ? `${status} : ` : ''}${subject} - ${teacher} - [${group}] - <4A> ${group}`,
    `LOCATION;LANGUAGE=fr:${room}`,
    `DESCRIPTION;LANGUAGE=fr:${status ? `${status}\\n` : ''}Matière : ${subject}\\nProfesseur : ${teacher}\\nGroupe : [${group}]\\nSalle : ${room}\\n`,
    'END:VEVENT',
  ];
}

/**
 * A Pronote export (UTC times): 4A_G1's SVT on three Mondays of September 2026 at 09:25 Paris, the third cancelled;
 * maths at 08:00 Paris on the Mondays after the DST change (07:00 UTC), the first with the teacher absent.
 */
export function pronoteExport(): SourceFile {
  const text = [
    'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Index Education//PRONOTE//FR', 'METHOD:PUBLISH',
    ...pronoteLesson('Cours-1-1', '20260907T072500Z', '20260907T082000Z', 'SCIENCES VIE TERRE', 'MARTIN S.', '201', '4A_G1'),
    ...pronoteLesson('Cours-1-2', '20260914T072500Z', '20260914T082000Z', 'SCIENCES VIE TERRE', 'MARTIN S.', '201', '4A_G1'),
    ...pronoteLesson('Cours-1-3', '20260921T072500Z', '20260921T082000Z', 'SCIENCES VIE TERRE', 'MARTIN S.', '201', '4A_G1', 'Cours annulé'),
    ...pronoteLesson('Cours-2-1', '20261102T070000Z', '20261102T080000Z', 'MATHEMATIQUES', 'LEROY P.', '208', '4A_G1', 'Prof. absent'),
    ...pronoteLesson('Cours-2-2', '20261109T070000Z', '20261109T080000Z', 'MATHEMATIQUES', 'LEROY P.', '208', '4A_G1'),
    ...pronoteLesson('Cours-2-3', '20261116T070000Z', '20261116T080000Z', 'MATHEMATIQUES', 'LEROY P.', '208', '4A_G1'),
    'END:VCALENDAR', '',
  ].join('\r\n');
  return sourceFile('Edt_4A_G1.ics', Buffer.from(text, 'utf8'));
}
