// Writes into the roster: an establishment by UAI (admin), and batches of records for one establishment
// (sync.write), both through the store's single write path.
import { Router } from 'express';
import { accessOf, requireAnyScope } from '../../http/context.js';
import { recordEtag } from '../../http/etag.js';
import { summarise } from '../../errors/gateway-error.js';
import { PreconditionFailed, ValidationProblem } from '../../errors/problems.js';
import type { RecordOperation } from '../../store/records.js';
import { changeCursorAt } from '../changes/cursor.js';
import { validateRecord } from '../../model/validate.js';

/** Optimistic concurrency: with If-Match, the establishment is replaced only if it is still the version read. */
function ifMatch(header: string | undefined, uai: string): ((current: { id: string; seq: string } | undefined) => void) | undefined {
  if (header === undefined) return undefined;
  const tags = header.split(',').map((t) => t.trim().replace(/^W\//, ''));
  return (current) => {
    if (current && (tags.includes('*') || tags.includes(recordEtag(current)))) return;
    throw new PreconditionFailed(current ? `establishment ${uai} changed since you read it: fetch it again and reapply your change` : `establishment ${uai} does not exist yet`);
  };
}

export function rosterWriteRoutes(): Router {
  const router = Router();

  router.put('/establishments/:uai', requireAnyScope(['admin']), async (req, res) => {
    const access = accessOf(res);
    const body = req.body as Record<string, unknown>;
    if (body.uai !== undefined && body.uai !== (req.params.uai as string)) {
      const errors = [{ pointer: '/body/uai', detail: `must be ${(req.params.uai as string)}, the UAI in the path, or be left out` }];
      throw new ValidationProblem(summarise(errors), errors);
    }
    const record = { ...body, uai: (req.params.uai as string) };
    const invalid = validateRecord('establishment', record).map((p) => ({ pointer: `/body${p.pointer}`, detail: p.detail }));
    if (invalid.length) throw new ValidationProblem(summarise(invalid), invalid);
    // An admin sees and writes only inside its perimeter: an existing establishment outside it is "not found",
    // and an establishment may not be created or moved out of it (EstablishmentOutsidePerimeter says which).
    const result = await access.establishment(req.params.uai as string).put(record, ifMatch(req.headers['if-match'], req.params.uai as string));
    res.setHeader('ETag', recordEtag({ id: result.record.id as string, seq: result.seq }));
    res.status(result.outcome === 'created' ? 201 : 200).json(result.record);
  });

  router.post('/establishments/:uai/batch', requireAnyScope(['sync.write']), async (req, res) => {
    const uai = req.params.uai as string;
    const operations = (req.body as { records: RecordOperation[] }).records;
    const { result, position } = await accessOf(res).establishment(uai).write(operations);
    res.json({ ...result, changeCursor: changeCursorAt(req, position) });
  });
  return router;
}

