// The roster feed: establishments, and per establishment its people, groups, memberships, guardian links,
// subjects, rooms and academic years. Each listing is declared as data; one pipeline serves them all.
import { Router, type Request } from 'express';
import { accessOf, requireAnyScope } from '../../http/context.js';
import { notModified, recordEtag } from '../../http/etag.js';
import { queryString } from '../../http/query.js';
import { ENTITY_READ_SCOPES, PERSONAL_ENTITIES } from '../../perimeter/projection.js';
import type { RosterEntity } from '../../store/records.js';
import { recordFromRow } from '../../store/record-shape.js';
import { listEstablishments, listRecords, type RecordFilters } from './queries.js';
import { pageRequest, sendPage } from './listing.js';

interface Listing {
  path: string;
  entity: RosterEntity;
  filters: (req: Request) => RecordFilters;
}

const link = (req: Request, field: string) => {
  const value = queryString(req, field);
  return value === undefined ? [] : [{ field, value }];
};

export const LISTINGS: readonly Listing[] = [
  { path: 'people', entity: 'person', filters: (req) => ({ kind: queryString(req, 'kind'), memberOf: queryString(req, 'groupId') }) },
  { path: 'groups', entity: 'group', filters: (req) => ({ kind: queryString(req, 'kind') }) },
  {
    path: 'memberships', entity: 'membership',
    filters: (req) => ({ kind: queryString(req, 'role'), links: [...link(req, 'personId'), ...link(req, 'groupId')] }),
  },
  { path: 'guardian-links', entity: 'guardianLink', filters: (req) => ({ links: [...link(req, 'guardianId'), ...link(req, 'pupilId')] }) },
  { path: 'subjects', entity: 'subject', filters: () => ({}) },
  { path: 'rooms', entity: 'room', filters: () => ({}) },
  { path: 'academic-years', entity: 'academicYear', filters: () => ({}) },
];

export function rosterRoutes(publicUrl: string): Router {
  const router = Router();

  router.get('/establishments', async (req, res) => {
    const access = accessOf(res);
    await access.fresh();
    const page = await listEstablishments(access, {
      type: queryString(req, 'type'),
      communeCode: queryString(req, 'communeCode'),
      departementCode: queryString(req, 'departementCode'),
      regionCode: queryString(req, 'regionCode'),
      academieCode: queryString(req, 'academieCode'),
    }, pageRequest(req, 'uai'));
    sendPage(req, res, publicUrl, page);
  });

  router.get('/establishments/:uai', async (req, res) => {
    const row = await accessOf(res).establishment(req.params.uai as string);
    if (notModified(req, res, recordEtag(row))) return;
    res.json(recordFromRow(row));
  });

  for (const listing of LISTINGS) {
    router.get(`/establishments/:uai/${listing.path}`, requireAnyScope(ENTITY_READ_SCOPES[listing.entity]), async (req, res) => {
      const access = accessOf(res);
      const request = pageRequest(req, 'id');
      const audit = PERSONAL_ENTITIES.has(listing.entity)
        ? { clientId: access.caller.clientId, entity: listing.entity, requestId: String(req.id ?? '') }
        : undefined;
      const page = await listRecords(access, req.params.uai as string, listing.entity, listing.filters(req), request, audit);
      sendPage(req, res, publicUrl, page);
    });
  }
  return router;
}
