// Which AAF file a delivered file is, from its name (`<prefix>_Complet_<yyyyMMdd>_<Category>_<NNNN>.xml`, or
// `_Delta_` for delta files): the names ENTCORE's feeders match, the first-degree (aaf1d) files included,
// which carry the same names with other attributes. Large categories come split in numbered chunks.
import type { ConnectorProblem } from '../kit/problem.js';

/** Categories in the order they must be read: structures, then the dictionaries, then people. */
export const FILE_CATEGORIES = ['EtabEducNat', 'MatiereEducNat', 'MefEducNat', 'Eleve', 'PersRelEleve', 'PersEducNat'] as const;
export type FileCategory = (typeof FILE_CATEGORIES)[number];

const PATTERNS: Record<FileCategory, RegExp> = {
  EtabEducNat: /EtabEducNat_\d{4}\.xml$/i,
  MatiereEducNat: /MatiereEducNat_\d{4}\.xml$/i,
  MefEducNat: /MefEducNat_\d{4}\.xml$/i,
  Eleve: /_Eleve_\d{4}\.xml$/i,
  PersRelEleve: /PersRelEleve_\d{4}\.xml$/i,
  PersEducNat: /PersEducNat_\d{4}\.xml$/i,
};

/** The `categorie…` value requests of each file carry (MatiereEducNat files say `MatEducNat`). */
export const REQUEST_CATEGORY: Record<FileCategory, string> = {
  EtabEducNat: 'EtabEducNat', MatiereEducNat: 'MatEducNat', MefEducNat: 'MefEducNat',
  Eleve: 'Eleve', PersRelEleve: 'PersRelEleve', PersEducNat: 'PersEducNat',
};

export function fileCategory(name: string): FileCategory | undefined {
  const base = name.split(/[\\/]/).pop() ?? name;
  return FILE_CATEGORIES.find((category) => PATTERNS[category].test(base));
}

/**
 * A delivery's files in the order they are read (by category, then by name), and a warning for each file that
 * is no AAF file, left out.
 */
export function deliveryOrder<F extends { name: string }>(files: readonly F[]): { ordered: { category: FileCategory; file: F }[]; problems: ConnectorProblem[] } {
  const problems: ConnectorProblem[] = [];
  const byCategory = new Map<FileCategory, F[]>();
  for (const file of files) {
    const category = fileCategory(file.name);
    if (category) byCategory.set(category, [...(byCategory.get(category) ?? []), file]);
    else problems.push({ file: file.name, code: 'unknown-file', severity: 'warning', detail: `not an AAF file name (<prefix>_<Complet|Delta>_<date>_<${FILE_CATEGORIES.join('|')}>_<NNNN>.xml); left out` });
  }
  const ordered = FILE_CATEGORIES.flatMap((category) => (byCategory.get(category) ?? []).sort((a, b) => a.name.localeCompare(b.name)).map((file) => ({ category, file })));
  return { ordered, problems };
}
