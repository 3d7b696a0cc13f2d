// The one streaming pass over an AAF delivery's files, in the order the plan needs them (structures, then the
// dictionaries, then people): each request is planned (connectors/aaf/plan.ts) and what it means spooled.
// The largest files are parsed in a worker thread, beside the planning and spooling of what they hold.
import type { FileCategory } from '../../../connectors/aaf/files.js';
import { AAF_ATTRIBUTES } from '../../../connectors/aaf/map.js';
import { deliveryOrder, type DeliveryPlan } from '../../../connectors/aaf/plan.js';
import { readAafRequests, type AafItem, type AafReadOptions } from '../../../connectors/aaf/read.js';
import type { ReaderThread } from '../../../connectors/kit/worker-reader.js';
import { FileProblem, type ConnectorProblem } from '../../../connectors/kit/problem.js';
import type { ImportRequest, SourceFile } from '../importer.js';
import { spoolPlanned, type AafSpool } from './spool.js';

/** From this size on, a file is parsed in a worker thread. */
const IN_WORKER_BYTES = 4 * 1024 * 1024;

/** Reads every file of the delivery into the plan and the spool. False when a file could not be read whole. */
export async function readDelivery(request: ImportRequest, plan: DeliveryPlan, spool: AafSpool, problems: ConnectorProblem[], thread: ReaderThread): Promise<boolean> {
  const { ordered, problems: unknownFiles } = deliveryOrder(request.files);
  problems.push(...unknownFiles);
  const total = request.files.reduce((sum, f) => sum + (f.size ?? 0), 0) || undefined;
  let done = 0;
  let readable = true;
  for (const { category, file } of ordered) {
    const stage = `reading ${file.name}`;
    async function* counted(): AsyncGenerator<Buffer | Uint8Array> {
      for await (const chunk of file.open()) {
        done += chunk.length;
        request.onProgress?.({ stage, done, ...(total ? { total } : {}) });
        yield chunk;
      }
    }
    if (!(await readFile(category, file, counted(), request, plan, spool, problems, thread))) readable = false;
  }
  plan.doneReading();
  if (!readable) {
    problems.push({ file: '(delivery)', code: 'delivery-not-applied', severity: 'error', detail: 'a file of the delivery could not be read whole; nothing was written: deliver it again' });
  }
  return readable;
}

async function readFile(
  category: FileCategory, file: SourceFile, bytes: AsyncIterable<Buffer | Uint8Array>,
  request: ImportRequest, plan: DeliveryPlan, spool: AafSpool, problems: ConnectorProblem[], thread: ReaderThread,
): Promise<boolean> {
  // Only the attributes the mapping reads are kept: real requests carry many more.
  const options: AafReadOptions = { file: file.name, attributes: AAF_ATTRIBUTES };
  const items = (file.size ?? 0) >= IN_WORKER_BYTES ? thread.read<AafItem>(bytes, options) : readAafRequests(bytes, options);
  try {
    for await (const item of items) {
      request.signal?.throwIfAborted();
      if (item.kind === 'problem') problems.push(item.problem);
      else await spoolPlanned(spool, problems, plan.take(category, item.request, { file: file.name, line: item.request.line }));
    }
    return true;
  } catch (error) {
    if (!(error instanceof FileProblem)) throw error;
    // A file read in part could be a truncated export: applying the rest would lose what it held.
    problems.push(error.problem);
    return false;
  }
}
