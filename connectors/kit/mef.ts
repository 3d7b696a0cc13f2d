// A class's MEF (module élémentaire de formation) as the canonical group holds it (schemas/group.schema.json):
// the GAR assigns resources by MEF, so connectors keep the code their source gives, with its label.

export interface Mef {
  code: string;
  label?: string;
}

/** An MEF code (11 characters) or, first degree, a MEFSTAT4 code (4 digits), as the group schema's pattern says. */
const CODE = /^[0-9A-Z]{4}([0-9A-Z]{7})?$/;
const LABEL_MAX = 255;

/** The MEF of a code and label from a source, or undefined when the code is not one; a label too long is left out. */
export function toMef(code: string | undefined, label: string | undefined): Mef | undefined {
  const trimmed = code?.trim().toUpperCase();
  if (!trimmed || !CODE.test(trimmed)) return undefined;
  const text = label?.replace(/\s+/g, ' ').trim();
  return { code: trimmed, ...(text && text.length <= LABEL_MAX ? { label: text } : {}) };
}
