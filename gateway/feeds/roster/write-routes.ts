// Writes into the roster: an establishment by UAI (admin), and batches of records for one establishment
// (sync.write), both through the store's single write path.
import { Router } from 'express';
import { accessOf, requireAnyScope } from '../../http/context.js';
import { recordEtag } from '../../http/etag.js';
import { NotFoundProblem, ProblemError, ValidationProblem, summarise } from '../../http/problem.js';
import { EstablishmentOutsidePerimeter, EstablishmentRejected } from '../../store/establishments.js';
import { BatchRejected, UnknownEstablishment, type RecordOperation } from '../../store/records.js';
import { changeCursorAt } from '../changes/cursor.js';
import { validateRecord } from '../../model/validate.js';

/** Optimistic concurrency: with If-Match, the establishment is replaced only if it is still the version read. */
function ifMatch(header: string | undefined, uai: string): ((current: { id: string; seq: string } | undefined) => void) | undefined {
  if (header === undefined) return undefined;
  const tags = header.split(',').map((t) => t.trim().replace(/^W\//, ''));
  return (current) => {
    if (current && (tags.includes('*') || tags.includes(recordEtag(current)))) return;
    throw new ProblemError(412, 'precondition-failed', 'Precondition failed',
      current ? `establishment ${uai} changed since you read it: fetch it again and reapply your change` : `establishment ${uai} does not exist yet`);
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
    let result;
    try {
      result = await access.establishment(req.params.uai as string).put(record, ifMatch(req.headers['if-match'], req.params.uai as string));
    } catch (error) {
      // An admin sees and writes only inside its perimeter: an existing establishment outside it is "not found",
      // and an establishment may not be created or moved out of it.
      if (error instanceof EstablishmentOutsidePerimeter) {
        if (error.where === 'stored') throw new NotFoundProblem(`no establishment ${error.uai} in your perimeter`);
        throw new ProblemError(403, 'outside-perimeter', 'Outside your perimeter',
          `establishment ${error.uai} would not be inside your perimeter (${access.caller.perimeter.join(', ') || 'empty'})`);
      }
      if (error instanceof EstablishmentRejected) {
        const errors = error.problems.map((p) => ({ pointer: `/body${p.pointer}`, detail: p.detail }));
        throw new ValidationProblem(summarise(errors), errors);
      }
      throw error;
    }
    res.setHeader('ETag', recordEtag({ id: result.record.id as string, seq: result.seq }));
    res.status(result.outcome === 'created' ? 201 : 200).json(result.record);
  });

  router.post('/establishments/:uai/batch', requireAnyScope(['sync.write']), async (req, res) => {
    const uai = req.params.uai as string;
    const operations = (req.body as { records: RecordOperation[] }).records;
    try {
      const { result, position } = await accessOf(res).establishment(uai).write(operations);
      res.json({ ...result, changeCursor: changeCursorAt(req, position) });
    } catch (error) {
      if (error instanceof BatchRejected) {
        throw new ValidationProblem(
          `${new Set(error.problems.map((p) => p.index)).size} invalid record(s), nothing was written: ${summarise(error.problems)}`,
          error.problems.map(({ pointer, detail }) => ({ pointer, detail })),
        );
      }
      if (error instanceof UnknownEstablishment) throw new NotFoundProblem(`no establishment ${uai} in your perimeter`);
      throw error;
    }
  });
  return router;
}

