// Which establishment an STS-Web export describes: the UAI in its PARAMETRES/UAJ, and the one in its name as
// STS-Web gives it (`sts_emp_0693412J_2026.xml`). Reading stops at PARAMETRES, the export's first element.
import type { XmlElement } from '../kit/xml.js';
import { establishmentTypeOf, type EstablishmentDescription } from '../annuaire/described-establishment.js';
import { readStsElements } from './read.js';

export interface StsEstablishment {
  /** PARAMETRES/UAJ's CODE, upper case; undefined when the export does not say. */
  uai?: string;
  /** The line of UAJ (or of PARAMETRES when UAJ is missing). */
  line?: number;
  /** What UAJ says of the establishment (name, nature, address, académie), for the import to create or complete it. */
  description?: Omit<EstablishmentDescription, 'uai' | 'source' | 'sourceId' | 'position'>;
}

const childText = (element: XmlElement | undefined, name: string) => element?.children.find((child) => child.name === name)?.text.trim() || undefined;

function describedBy(uaj: XmlElement): StsEstablishment['description'] {
  const name = [childText(uaj, 'DENOM_PRINC'), childText(uaj, 'DENOM_COMPL')].filter(Boolean).join(' ');
  const type = establishmentTypeOf(childText(uaj, 'CODE_NATURE'));
  const academie = childText(uaj.children.find((child) => child.name === 'ACADEMIE'), 'CODE');
  const postalCode = childText(uaj, 'CODE_POSTAL');
  return {
    ...(name ? { name } : {}),
    ...(type ? { type } : {}),
    address: { street: childText(uaj, 'ADRESSE'), postalCode: postalCode && /^[0-9]{5}$/.test(postalCode) ? postalCode : undefined, town: childText(uaj, 'COMMUNE') },
    ...(academie && /^[0-9]{1,2}$/.test(academie) ? { academieCode: academie.padStart(2, '0') } : {}),
  };
}

/** The UAI in an export's name, `sts_emp_<UAI>_<year>.xml`, upper case; undefined for another name. */
export function uaiInFileName(name: string): string | undefined {
  return /^sts_emp_([0-9]{7}[A-Za-z])_[0-9]{4}\.xml$/i.exec(name)?.[1].toUpperCase();
}

/** The establishment an export names. Throws FileProblem when the file cannot be read up to PARAMETRES. */
export async function readStsEstablishment(source: AsyncIterable<Buffer | Uint8Array>, options: { file: string }): Promise<StsEstablishment> {
  const elements = readStsElements(source, { file: options.file, paths: new Set(['STS_EDT/PARAMETRES']) });
  for await (const parameters of elements) {
    const uaj = parameters.children.find((child) => child.name === 'UAJ');
    const uai = uaj?.attributes.CODE?.trim().toUpperCase();
    return { ...(uai ? { uai } : {}), line: (uaj ?? parameters).line, ...(uaj ? { description: describedBy(uaj) } : {}) };
  }
  return {};
}
