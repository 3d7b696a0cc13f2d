// The records feed: establishments, each registered entity's listing per establishment (its path, filters and
// scopes from its descriptor), and any record by id. One pipeline serves them all, through the caller's scopes.
import { Router, type Request } from 'express';
import { accessOf } from '../../http/context.js';
import { notModified, recordEtag } from '../../http/etag.js';
import { ValidationProblem } from '../../errors/problems.js';
import { queryString } from '../../http/query.js';
import { ESTABLISHMENT, entities, isDerived, type EntityDescriptor } from '../../model/registry.js';
import { recordFromRow } from '../../store/record-shape.js';
import type { FilterValues, Lookup } from '../../store/reads/records.js';
import { pageRequest, sendPage } from './listing.js';

/** The values of the descriptor's filters the request gives. */
function filterValues(req: Request, entity: EntityDescriptor): FilterValues {
  return Object.fromEntries(entity.filters.map((filter) => [filter.parameter, queryString(req, filter.parameter)]));
}

/** `sourceId=aaf:1234` and `ine`, as given (the establishment's scope says who may look up by what). */
function lookupOf(req: Request): Lookup {
  const lookup: Lookup = {};
  const sourceId = queryString(req, 'sourceId');
  if (sourceId !== undefined) {
    const colon = sourceId.indexOf(':');
    if (colon <= 0 || colon === sourceId.length - 1) {
      throw new ValidationProblem('/query/sourceId must be <source>:<identifier>, such as aaf:1234', [
        { pointer: '/query/sourceId', detail: 'must be <source>:<identifier>, such as aaf:1234' },
      ]);
    }
    lookup.sourceId = { source: sourceId.slice(0, colon), id: sourceId.slice(colon + 1) };
  }
  const ine = queryString(req, 'ine');
  if (ine !== undefined) lookup.ine = ine;
  return lookup;
}

export function rosterRoutes(publicUrl: string): Router {
  const router = Router();

  router.get('/establishments', async (req, res) => {
    const page = await accessOf(res).perimeterScope().establishments(ESTABLISHMENT, filterValues(req, ESTABLISHMENT), pageRequest(req, 'uai'));
    sendPage(req, res, publicUrl, page);
  });

  router.get('/establishments/:uai', async (req, res) => {
    const row = await accessOf(res).establishment(req.params.uai as string).read();
    if (notModified(req, res, recordEtag(row))) return;
    res.json(recordFromRow(row));
  });

  // Derived records (occurrences) have feeds of their own (feeds/timetable/).
  for (const entity of entities().filter((e) => e.belongsTo === 'establishment' && e !== ESTABLISHMENT && !isDerived(e))) {
    router.get(`/establishments/:uai/${entity.collection}`, async (req, res) => {
      const page = await accessOf(res).establishment(req.params.uai as string)
        .list(entity, filterValues(req, entity), lookupOf(req), pageRequest(req, 'id'));
      sendPage(req, res, publicUrl, page);
    });
  }

  for (const entity of entities().filter((e) => e !== ESTABLISHMENT && !isDerived(e))) {
    router.get(`/${entity.collection}/:id`, async (req, res) => {
      const { row, rendering } = await accessOf(res).perimeterScope().record(entity, req.params.id as string);
      if (notModified(req, res, recordEtag({ id: `${row.key}/${rendering}`, seq: row.seq }))) return;
      res.type('application/json').send(row.record);
    });
  }
  return router;
}
