// The occupancy and heating feeds, for local authorities: rooms and when they are busy, occupancy rates by hour,
// day, room, building and establishment, and heating plans per building or zone. No personal data is read or
// shown: rooms and the spans of sessions that are not cancelled (perimeter/occupancy-scope.ts).
import { Router } from 'express';
import { accessOf } from '../../http/context.js';
import { dateRange } from '../../http/date-range.js';
import { queryString } from '../../http/query.js';
import { occupancyCsv, heatingCsv } from '../../occupancy/csv.js';
import { heatingIcal } from '../../ical/heating.js';
import { heatingSettings, occupancyOf, planOf } from './plans.js';
import { representationOf, sendRepresentation } from '../../http/representations.js';
import { heatingChangesRoute } from './heating-changes.js';

export function occupancyRoutes(publicUrl: string): Router {
  const router = Router();

  router.get('/establishments/:uai/occupancy', async (req, res) => {
    const representation = representationOf(req, ['json', 'csv']);
    const { from, to } = dateRange(req);
    const occupancy = occupancyOf(await accessOf(res).occupancy().establishment(req.params.uai as string, from, to), from, to);
    const body = representation === 'csv' ? occupancyCsv([occupancy]) : JSON.stringify(occupancy);
    sendRepresentation(req, res, representation, body, `occupation-${occupancy.uai}-${from}-${to}`);
  });

  router.get('/occupancy', async (req, res) => {
    const representation = representationOf(req, ['json', 'csv']);
    const { from, to } = dateRange(req);
    const sources = await accessOf(res).occupancy().perimeter(from, to, queryString(req, 'type'));
    const occupancies = sources.map((source) => ({ name: source.name, type: source.type, ...occupancyOf(source, from, to) }));
    const body = representation === 'csv' ? occupancyCsv(occupancies) : JSON.stringify({ from, to, data: occupancies });
    sendRepresentation(req, res, representation, body, `occupation-${from}-${to}`);
  });

  router.get('/establishments/:uai/heating', async (req, res) => {
    const representation = representationOf(req, ['json', 'csv', 'ical']);
    const { from, to } = dateRange(req);
    const plan = planOf(await accessOf(res).occupancy().establishment(req.params.uai as string, from, to), from, to, heatingSettings(req));
    const body = representation === 'csv' ? heatingCsv([plan]) : representation === 'ical' ? heatingIcal(plan) : JSON.stringify(plan);
    sendRepresentation(req, res, representation, body, `chauffage-${plan.uai}-${from}-${to}`);
  });

  router.get('/heating/changes', heatingChangesRoute(publicUrl));
  return router;
}
