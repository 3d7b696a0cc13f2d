// GET /v1/changes: the delta feed of everything the caller may see, projected per scope, audited.
import { Router } from 'express';
import { accessOf } from '../../http/context.js';
import { ValidationProblem } from '../../http/problem.js';
import { queryInteger, queryString } from '../../http/query.js';
import { PERSONAL_ENTITIES, project } from '../../perimeter/projection.js';
import type { Entity } from '../../model/validate.js';
import { appendAudit, type AuditEntry } from '../../store/audit.js';
import { recordFromRow, tombstoneFromRow } from '../../store/record-shape.js';
import { decodeChangeCursor, encodeChangeCursor, type ChangeCursor } from './cursor.js';
import { CursorAhead, readChanges } from './queries.js';

export function changesRoutes(): Router {
  const router = Router();
  router.get('/changes', async (req, res) => {
    const access = accessOf(res);
    const since = queryString(req, 'since');
    const cursor: ChangeCursor = since === undefined ? { s: '0' } : decodeChangeCursor(since, 'since');
    let page;
    try {
      page = await readChanges(access, cursor, queryInteger(req, 'limit', 100));
    } catch (error) {
      if (error instanceof CursorAhead) {
        throw new ValidationProblem('/query/since is ahead of this gateway\'s change log: it was not issued here', [
          { pointer: '/query/since', detail: 'must be a cursor issued by this gateway' },
        ]);
      }
      throw error;
    }
    const scopes = access.caller.scopes;
    const audited = new Map<string, AuditEntry>();
    const data = page.entries.map(({ op, row }) => {
      const entity = row.entity as Entity;
      if (op === 'upsert' && PERSONAL_ENTITIES.has(entity)) {
        const key = `${row.uai}/${entity}`;
        const entry = audited.get(key) ?? { clientId: access.caller.clientId, uai: row.uai, entity, count: 0, requestId: String(req.id ?? '') };
        entry.count += 1;
        audited.set(key, entry);
      }
      return {
        entity,
        id: row.id,
        op,
        record: op === 'delete' ? tombstoneFromRow(row) : project(entity, recordFromRow(row), scopes),
      };
    });
    await appendAudit(access.db, [...audited.values()]);
    res.json({ data, cursor: encodeChangeCursor(page.cursor), hasMore: page.hasMore });
  });
  return router;
}
