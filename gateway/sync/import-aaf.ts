// Imports an AAF delivery (the académie's ficAlimMENESR files for ENTs, second or first degree) into the
// establishments it covers. What the delivery means is planned with no store (connectors/aaf/plan.ts); files are
// not sorted by establishment, so one streaming pass spools each establishment's operations to a temporary file
// (aaf/read-delivery.ts); a delta's requests that name records by AAF id are planned once the store says where
// those are (aaf/deferred.ts); establishments are then written a few at a time, each in one transaction of its
// own (aaf/write-delivery.ts). A file that cannot be read whole stops the import before anything is written.
import { aafReaderThread } from '../../connectors/aaf/read.js';
import { DeliveryPlan } from '../../connectors/aaf/plan.js';
import type { ConnectorProblem } from '../../connectors/kit/problem.js';
import { DeferredRequests } from './aaf/deferred.js';
import { readDelivery } from './aaf/read-delivery.js';
import { openAafSpool, spoolPlanned } from './aaf/spool.js';
import { writeDelivery } from './aaf/write-delivery.js';
import { withBoundedHeapGrowth } from './heap-growth.js';
import { noCounts, sumCounts } from './import-counts.js';
import type { Importer, ImporterDefinition } from './importer.js';

const importDelivery: Importer = async (db, request) => {
  const problems: ConnectorProblem[] = [];
  const spool = await openAafSpool();
  const thread = aafReaderThread();
  try {
    const plan = new DeliveryPlan(request.mode);
    if (!(await readDelivery(request, plan, spool, problems, thread))) return { counts: noCounts(), establishments: [], problems };
    const deferred = new DeferredRequests(db, request, plan, spool, problems);
    // Modifications name classes too: they are gathered with the others before groups are spooled.
    if (request.mode === 'delta') await deferred.planAll();
    const stored = request.mode === 'delta' ? await deferred.storedGroups(plan.gatheredGroupIds()) : new Map<string, Record<string, unknown>>();
    await spoolPlanned(spool, problems, plan.gathered(stored));
    // Requests refused so far, each at its line, belong to no establishment's counts; the delivery's hold them.
    const refusedRequests = problems.filter((p) => p.severity === 'error' && p.line !== undefined).length;
    const establishments = await writeDelivery(db, request, plan, spool, problems);
    const counts = sumCounts(establishments.map((e) => e.counts));
    return { counts: { ...counts, rejected: counts.rejected + refusedRequests }, establishments, problems };
  } finally {
    await thread.close();
    await spool.close();
  }
};

// The delivery's garbage outlives the young generation: without a bound on the heap's growth, V8's defaults let it
// pile up past 300 MB of RSS (heap-growth.ts).
export const importAaf: Importer = (db, request) => withBoundedHeapGrowth(() => importDelivery(db, request));

export const aafImporter: ImporterDefinition<'aaf'> = {
  name: 'aaf',
  summary: 'an AAF delivery (ficAlimMENESR: EtabEducNat, Eleve, PersRelEleve, PersEducNat... files, or an archive)',
  needs: { uai: false },
  files: { description: '<prefix>_<Complet|Delta>_<yyyyMMdd>_<EtabEducNat|MatiereEducNat|MefEducNat|Eleve|PersRelEleve|PersEducNat>_<NNNN>.xml', extensions: ['.xml'] },
  run: importAaf,
};
