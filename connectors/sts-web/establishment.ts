// Which establishment an STS-Web export describes: the UAI in its PARAMETRES/UAJ, and the one in its name as
// STS-Web gives it (`sts_emp_0693412J_2026.xml`). Reading stops at PARAMETRES, the export's first element.
import { readStsElements } from './read.js';

export interface StsEstablishment {
  /** PARAMETRES/UAJ's CODE, upper case; undefined when the export does not say. */
  uai?: string;
  /** The line of UAJ (or of PARAMETRES when UAJ is missing). */
  line?: number;
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
    return { ...(uai ? { uai } : {}), line: (uaj ?? parameters).line };
  }
  return {};
}
