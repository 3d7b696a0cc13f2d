// What AAF says of a person besides who it is and where: a guardian's contact details (PersRelEleve: the
// address in ENTPersonAdresse, `$` between lines, with ENTPersonCodePostal, ENTPersonVille, ENTPersonPays; phones
// in homePhone, telephoneNumber (work), mobile, ENTPersonMobileSMS, and first degree's ENTPersRelEleveTelPro and
// ENTPersRelEleveTelMobile), a member of staff's functions (ENTPersonFonctions,
// `structure$code$label$disciplineCode$disciplineLabel`) and the subjects a teacher teaches in each class or group
// (ENTAuxEnsClassesMatieres, ENTAuxEnsGroupesMatieres: `structure$classOrGroup$subjectCode`).
import { addressOf, contactFields, phonesOf, validEmail, type Contact } from '../kit/contacts.js';
import type { AafRequest } from './read.js';

/** The attributes read here, for the reader's list (map.ts's AAF_ATTRIBUTES). */
export const DETAIL_ATTRIBUTES = [
  'ENTPersonAdresse', 'ENTPersonCodePostal', 'ENTPersonVille', 'ENTPersonPays',
  'homePhone', 'telephoneNumber', 'mobile', 'ENTPersonMobileSMS', 'ENTPersRelEleveTelPro', 'ENTPersRelEleveTelMobile',
] as const;

const values = (request: AafRequest, name: string): string[] => request.attributes[name] ?? [];
const one = (request: AafRequest, ...names: string[]): string | undefined => names.map((n) => values(request, n)[0]).find((v) => v !== undefined);

/** A person's address, phones and e-mail, as far as the request gives them. */
export function contactOf(request: AafRequest): Contact {
  const address = addressOf(values(request, 'ENTPersonAdresse'), one(request, 'ENTPersonCodePostal'), one(request, 'ENTPersonVille'), one(request, 'ENTPersonPays'));
  const phones = phonesOf([
    ['home', one(request, 'homePhone')], ['mobile', one(request, 'mobile', 'ENTPersRelEleveTelMobile')], ['mobile', one(request, 'ENTPersonMobileSMS')],
    ['work', one(request, 'telephoneNumber', 'ENTPersRelEleveTelPro')],
  ]);
  return contactFields(address, phones, validEmail(one(request, 'mail', 'ENTPersonMail')));
}

export interface StaffFunction {
  code: string;
  label?: string;
  disciplineCode?: string;
  disciplineLabel?: string;
}

/** A person's functions (ENS, DIR, DOC, EDU…) across its structures, each once. */
export function functionsOf(request: AafRequest): StaffFunction[] {
  const seen = new Map<string, StaffFunction>();
  for (const value of values(request, 'ENTPersonFonctions')) {
    const [, code, label, disciplineCode, disciplineLabel] = value.split('$').map((part) => part.replace(/\s+/g, ' ').trim());
    if (!code || code.length > 20) continue;
    const fn: StaffFunction = {
      code, ...(label ? { label: label.slice(0, 200) } : {}),
      ...(disciplineCode && disciplineCode.length <= 20 ? { disciplineCode } : {}), ...(disciplineLabel ? { disciplineLabel: disciplineLabel.slice(0, 200) } : {}),
    };
    const key = `${code}$${fn.disciplineCode ?? ''}`;
    if (!seen.has(key)) seen.set(key, fn);
  }
  return [...seen.values()];
}

/** The subject codes a teacher teaches in each class or group, by the group's AAF id (`structure$code`). */
export function subjectsByGroup(request: AafRequest, groupIds: readonly string[] = []): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const value of [...values(request, 'ENTAuxEnsClassesMatieres'), ...values(request, 'ENTAuxEnsGroupesMatieres')]) {
    const [structure, group, code] = value.split('$');
    if (!structure || !group || !code) continue;
    // Real files may name the class under another structure than the teacher's classes do: the class of that
    // code among the teacher's, then.
    const id = `${structure}$${group}`;
    const targets = groupIds.length === 0 || groupIds.includes(id) ? [id] : groupIds.filter((g) => g.slice(g.indexOf('$') + 1) === group);
    for (const target of targets) {
      const codes = out.get(target) ?? [];
      if (!codes.includes(code)) out.set(target, [...codes, code]);
    }
  }
  return out;
}

/**
 * Subjects a teacher teaches (`struct$class$subjectCode`), in the structure named when it is one of the
 * teacher's, else in each of them (real files name structures the teacher is otherwise not in).
 */
export function taughtSubjects(request: AafRequest, structures: ReadonlySet<string>): { structure: string; code: string }[] {
  return [...values(request, 'ENTAuxEnsClassesMatieres'), ...values(request, 'ENTAuxEnsGroupesMatieres')].flatMap((value) => {
    const [structure, , code] = value.split('$');
    if (!code) return [];
    return structures.has(structure) ? [{ structure, code }] : [...structures].map((s) => ({ structure: s, code }));
  });
}

/** The subjects each structure uses: as the teacher's entries name them, and those taught in its classes and groups. */
export function usedSubjects(named: { structure: string; code: string }[], byGroup: ReadonlyMap<string, string[]>, structures: ReadonlySet<string>) {
  const inGroups = [...byGroup].flatMap(([groupId, codes]) => codes.map((code) => ({ structure: groupId.slice(0, groupId.indexOf('$')), code })));
  const seen = new Set(named.map((s) => `${s.structure}$${s.code}`));
  return [...named, ...inGroups.filter((s) => structures.has(s.structure) && !seen.has(`${s.structure}$${s.code}`))];
}
