// The elements of the reverse STS-Web file (`emp_sts.xml`, root EDT_STS) that EDT or UDT hands back to STS-Web,
// with a FileProblem when the file is another document (most often the STS-Web export itself, root STS_EDT).
// ALTERNANCE and SALLE_COURS are taken wherever they are: their nesting is [UNVERIFIED] (GEPI reads them with
// `//` XPath; ENT-CRLR's importer reads DONNEES/ALTERNANCES/ALTERNANCE).
import { FileProblem } from '../kit/problem.js';
import { readXmlElements, type XmlElement } from '../kit/xml.js';

const ROOT = 'EDT_STS';

/** Which element names are read, each under the parent it is listed in (`*`: any parent). */
const WANTED: Record<string, string> = {
  PARAMETRES: ROOT,
  MATIERE: 'MATIERES',
  INDIVIDU: 'INDIVIDUS',
  DIVISION: 'DIVISIONS',
  GROUPE: 'GROUPES',
  ALTERNANCE: '*',
  SALLE_COURS: '*',
};

function notReverseFile(file: string, root: string | undefined): FileProblem {
  const found = root === 'STS_EDT'
    ? 'the root element is STS_EDT, the STS-Web export (sts_emp_<UAI>_<year>.xml), which holds no timetable'
    : `the root element is ${root ?? 'missing'}`;
  return new FileProblem({
    file, code: 'unexpected-root', severity: 'error', field: ROOT,
    detail: `${found}; expected EDT_STS, the file a timetable program sends to STS-Web (emp_sts.xml)`,
  });
}

/** The elements of an EDT_STS file the timetable needs, in document order. */
export async function* readEdtStsElements(source: AsyncIterable<Buffer | Uint8Array>, file: string): AsyncGenerator<XmlElement> {
  let root: string | undefined;
  const elements = readXmlElements(source, {
    file,
    select: (name, ancestors) => {
      if (ancestors.length === 0) root = name;
      // Another document is told at its first child, not after reading it to its end.
      if (root !== ROOT) return ancestors.length === 1;
      const parent = WANTED[name];
      return parent !== undefined && ancestors.length > 0 && (parent === '*' || ancestors[ancestors.length - 1] === parent);
    },
  });
  for await (const element of elements) {
    if (root !== ROOT) throw notReverseFile(file, root);
    yield element;
  }
  if (root !== ROOT) throw notReverseFile(file, root);
}
