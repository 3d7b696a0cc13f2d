// What an import did, record by record outcome: the counts every importer reports (and jobs will record).
export interface ImportCounts {
  created: number;
  updated: number;
  unchanged: number;
  deleted: number;
  rejected: number;
}

export function noCounts(): ImportCounts {
  return { created: 0, updated: 0, unchanged: 0, deleted: 0, rejected: 0 };
}

export function sumCounts(all: Iterable<ImportCounts>): ImportCounts {
  const sum = noCounts();
  for (const counts of all) for (const key of Object.keys(sum) as (keyof ImportCounts)[]) sum[key] += counts[key];
  return sum;
}
