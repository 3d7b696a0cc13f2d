// The timetable connectors as importers: EDT (its course export, and the partner export ENTs read, encrypted or
// not), UDT (the ZIP of UDCal files), STS-Web's reverse file (EDT_STS) and iCalendar exports (Pronote,
// Hyperplanning…), which do not name their establishment.
import fs from 'node:fs';
import { parseEdt } from '../../../connectors/edt/parse.js';
import { parseIcal } from '../../../connectors/ical/parse.js';
import { parseStsEdt } from '../../../connectors/sts-edt/parse.js';
import { parseUdt } from '../../../connectors/udt/parse.js';
import { timetableImporter } from './import-timetable.js';

/**
 * Index Éducation's partner key (PEM, PKCS#8), to open an encrypted EXPORT_INDEX_EDUCATION: the file named by
 * PASSERELLE_EDT_PARTNER_KEY_FILE, read when an import runs (a rotated key applies at once).
 */
function edtOptions() {
  const file = process.env.PASSERELLE_EDT_PARTNER_KEY_FILE;
  return file ? { partnerPrivateKey: fs.readFileSync(file, 'utf8') } : {};
}

export const edtImporter = timetableImporter({
  name: 'edt',
  summary: 'an EDT timetable: EXP_COURS.xml, or the partner export (ExportEmploiDuTemps, in clear or encrypted)',
  parse: parseEdt,
  namesEstablishment: true,
  files: { description: 'EXP_COURS.xml, or the partner export (XML)', extensions: ['.xml'] },
  options: edtOptions,
});

export const udtImporter = timetableImporter({
  name: 'udt',
  summary: 'a UDT timetable: the ZIP of its UDCal_*.xml files',
  parse: parseUdt,
  namesEstablishment: false,
  files: { description: 'the ZIP of UDCal_*.xml files (or the files themselves)', extensions: ['.xml', '.zip'] },
});

export const stsEdtImporter = timetableImporter({
  name: 'sts-edt',
  summary: 'the timetable a timetabling program returns to STS-Web (EDT_STS, emp_sts.xml)',
  parse: parseStsEdt,
  namesEstablishment: true,
  files: { description: 'the EDT_STS file (XML)', extensions: ['.xml'] },
});

export const icalImporter = timetableImporter({
  name: 'ical',
  summary: 'iCalendar exports of a class, a teacher, a person or a room (Pronote, Hyperplanning…)',
  parse: parseIcal,
  namesEstablishment: false,
  files: { description: 'one or more .ics files', extensions: ['.ics', '.ical', '.ifb'] },
});
