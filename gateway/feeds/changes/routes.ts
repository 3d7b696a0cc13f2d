// GET /v1/changes: the delta feed of everything the caller may see, projected per scope, audited.
import { Router } from 'express';
import { accessOf } from '../../http/context.js';
import { queryInteger, queryString } from '../../http/query.js';
import { PERSONAL_ENTITIES } from '../../perimeter/projection.js';
import type { Entity } from '../../model/validate.js';
import type { AuditEntry } from '../../store/audit.js';
import { decodeChangeCursor, encodeChangeCursor, type ChangeCursor } from './cursor.js';
import { readChanges } from './queries.js';

export function changesRoutes(): Router {
  const router = Router();
  router.get('/changes', async (req, res) => {
    const access = accessOf(res);
    await access.fresh();
    const since = queryString(req, 'since');
    const cursor: ChangeCursor = since === undefined ? { s: '0' } : decodeChangeCursor(req, since, 'since');
    const page = await readChanges(access, cursor, queryInteger(req, 'limit', 100));
    const audited = new Map<string, AuditEntry>();
    for (const { op, row } of page.entries) {
      const entity = row.entity as Entity;
      if (op !== 'upsert' || !PERSONAL_ENTITIES.has(entity)) continue;
      const key = `${row.uai}/${entity}`;
      const entry = audited.get(key) ?? { clientId: access.caller.clientId, uai: row.uai, entity, count: 0, requestId: String(req.id ?? '') };
      entry.count += 1;
      audited.set(key, entry);
    }
    await access.audit.record([...audited.values()]);
    // Records arrive as JSON text from the store, already projected (or tombstones), and go out as they are.
    const data = page.entries.map(({ op, row }) =>
      `{"entity":${JSON.stringify(row.entity)},"id":"${row.id}","op":"${op}","record":${row.record}}`);
    res.type('application/json').send(`{"data":[${data.join(',')}],"cursor":${JSON.stringify(encodeChangeCursor(req, page.cursor))},"hasMore":${page.hasMore}}`);
  });
  return router;
}
