// GET /v1/changes: the delta feed of everything the caller may see, projected per entity and scope, audited,
// optionally narrowed to some entities or to one establishment.
import { Router, type Request } from 'express';
import { accessOf } from '../../http/context.js';
import { selfUrl, setNextLink } from '../../http/paging.js';
import { ValidationProblem } from '../../errors/problems.js';
import { queryInteger, queryString } from '../../http/query.js';
import { findEntity, type EntityDescriptor } from '../../model/registry.js';
import type { ScopedAccess } from '../../perimeter/scoped-access.js';
import { decodeChangeCursor, encodeChangeCursor, type ChangeCursor } from './cursor.js';

/** The entities `entity=person,membership` names: each must be registered and readable by the caller. */
function entitiesOf(req: Request, access: ScopedAccess): EntityDescriptor[] | undefined {
  const names = queryString(req, 'entity');
  if (names === undefined) return undefined;
  return names.split(',').map((name) => {
    const entity = findEntity(name);
    if (!entity) throw new ValidationProblem(`/query/entity names no entity ${name}`, [{ pointer: '/query/entity', detail: `${name} is not an entity` }]);
    access.requireReadable(entity);
    return entity;
  });
}

export function changesRoutes(publicUrl: string): Router {
  const router = Router();
  router.get('/changes', async (req, res) => {
    const access = accessOf(res);
    const since = queryString(req, 'since');
    const cursor: ChangeCursor = since === undefined ? { s: '0' } : decodeChangeCursor(req, since, 'since');
    const page = await access.perimeterScope().changes(cursor, queryInteger(req, 'limit', 100), {
      entities: entitiesOf(req, access),
      uai: queryString(req, 'uai'),
    });
    const next = encodeChangeCursor(req, page.cursor);
    const nextUrl = page.hasMore ? selfUrl(req, publicUrl, { since: next }) : null;
    setNextLink(res, nextUrl);
    // Records arrive as JSON text from the store, already projected (or tombstones), and go out as they are.
    const data = page.entries.map(({ op, row }) =>
      `{"entity":${JSON.stringify(row.entity)},"id":"${row.id}","op":"${op}","record":${row.record}}`);
    res.type('application/json').send(`{"data":[${data.join(',')}],"cursor":${JSON.stringify(next)},"next":${JSON.stringify(nextUrl)},"hasMore":${page.hasMore}}`);
  });
  return router;
}
