// Which AAF file a delivered file is, from its name (`<prefix>_Complet_<yyyyMMdd>_<Category>_<NNNN>.xml`, or
// `_Delta_` for delta files): the names ENTCORE's feeders match, the first-degree (aaf1d) files included,
// which carry the same names with other attributes. Large categories come split in numbered chunks.

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
