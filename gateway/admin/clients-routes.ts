// The administration API for clients (`/v1/admin/clients`, scope `admin`): the repository `passerelle clients`
// uses, bounded by the caller's reach. An admin client manages the clients it could have made itself, those
// whose perimeter lies within its own and whose scopes are among its own: any other is a 404, as a missing one.
import { Router, type Response } from 'express';
import type { Kysely } from 'kysely';
import {
  clientView, createClient, getClient, listClients, revokeClient, rotateClientSecret, updateClient,
  type ClientAuthMethod, type ClientGuard, type RegisteredClient,
} from '../auth/clients.js';
import type { Scope } from '../auth/scopes.js';
import { accessOf, requireAnyScope } from '../http/context.js';
import { GatewayError } from '../errors/gateway-error.js';
import { NotFoundProblem } from '../errors/problems.js';
import { perimetersWithin } from '../perimeter/containment.js';
import type { PerimeterEntry } from '../perimeter/perimeter.js';
import type { Database } from '../store/tables.js';

/** What the caller may hand out: its perimeter, and its client's scopes (a token asked for `admin` alone too). */
interface Reach {
  perimeter: readonly PerimeterEntry[];
  scopes: ReadonlySet<Scope>;
  entries: readonly string[];
}

type Grant = { scopes: readonly Scope[]; perimeter: readonly string[] };

async function reachOf(res: Response): Promise<Reach> {
  const access = accessOf(res);
  await access.fresh();
  const own = await getClient(access.db, access.caller.clientId);
  return { perimeter: access.perimeter, scopes: new Set(own?.scopes ?? []), entries: access.caller.perimeter };
}

async function withinReach(db: Kysely<Database>, reach: Reach, grants: readonly Grant[]): Promise<boolean[]> {
  const within = await perimetersWithin(db, reach.perimeter, grants.map((grant) => grant.perimeter));
  return grants.map((grant, i) => within[i] && grant.scopes.every((scope) => reach.scopes.has(scope)));
}

/** Refuses, in the changing transaction, a client out of reach (404) and a change that would put it out of reach (403). */
function guardOf(reach: Reach): ClientGuard {
  return async (trx, { before, after }) => {
    if (before && !(await withinReach(trx, reach, [before]))[0]) throw new NotFoundProblem(`no client with id ${before.clientId}`);
    const foreign = after.scopes.filter((scope) => !reach.scopes.has(scope));
    if (foreign.length) {
      throw new GatewayError('scope-not-held',
        `scope ${foreign.join(', ')} is not among yours (${[...reach.scopes].join(', ')}): a client you manage holds only scopes you hold`,
        { errors: [{ pointer: '/body/scopes', detail: `must be among ${[...reach.scopes].join(', ')}` }] });
    }
    if (!(await perimetersWithin(trx, reach.perimeter, [after.perimeter]))[0]) {
      const yours = reach.entries.join(', ') || 'empty';
      throw new GatewayError('outside-perimeter',
        `the perimeter ${after.perimeter.join(', ') || '(empty)'} does not lie within yours (${yours}): a client you manage sees only what you see`,
        { errors: [{ pointer: '/body/perimeter', detail: `must lie within ${yours}` }] });
    }
  };
}

/** The client if the caller may manage it, else the same 404 as for a missing one. */
async function clientInReach(db: Kysely<Database>, reach: Reach, clientId: string): Promise<RegisteredClient> {
  const client = await getClient(db, clientId);
  if (!client || !(await withinReach(db, reach, [client]))[0]) throw new NotFoundProblem(`no client with id ${clientId}`);
  return client;
}

interface ClientInput {
  name: string;
  scopes: string[];
  perimeter: string[];
  authMethod?: ClientAuthMethod;
  jwks?: unknown;
}

export function adminClientRoutes(): Router {
  const router = Router();
  const admin = requireAnyScope(['admin']);

  router.get('/admin/clients', admin, async (_req, res) => {
    const access = accessOf(res);
    const reach = await reachOf(res);
    const clients = await listClients(access.db);
    const visible = await withinReach(access.db, reach, clients);
    res.json({ data: clients.filter((_, i) => visible[i]).map(clientView) });
  });

  router.post('/admin/clients', admin, async (req, res) => {
    const access = accessOf(res);
    const guard = guardOf(await reachOf(res));
    const { name, scopes, perimeter, authMethod, jwks } = req.body as ClientInput;
    const { client, clientSecret } = await createClient(access.db, { name, scopes, perimeter, authMethod, jwks }, { guard });
    res.status(201).location(`/v1/admin/clients/${client.clientId}`).json({ ...clientView(client), ...(clientSecret ? { clientSecret } : {}) });
  });

  router.get('/admin/clients/:clientId', admin, async (req, res) => {
    const access = accessOf(res);
    res.json(clientView(await clientInReach(access.db, await reachOf(res), req.params.clientId as string)));
  });

  router.patch('/admin/clients/:clientId', admin, async (req, res) => {
    const access = accessOf(res);
    const guard = guardOf(await reachOf(res));
    const changes = req.body as Partial<Pick<ClientInput, 'name' | 'scopes' | 'perimeter'>>;
    res.json(clientView(await updateClient(access.db, req.params.clientId as string, changes, { guard })));
  });

  router.delete('/admin/clients/:clientId', admin, async (req, res) => {
    const access = accessOf(res);
    const guard = guardOf(await reachOf(res));
    res.json(clientView(await revokeClient(access.db, req.params.clientId as string, { guard })));
  });

  router.post('/admin/clients/:clientId/rotate-secret', admin, async (req, res) => {
    const access = accessOf(res);
    const guard = guardOf(await reachOf(res));
    const clientId = req.params.clientId as string;
    const clientSecret = await rotateClientSecret(access.db, clientId, { guard });
    res.json({ ...clientView((await getClient(access.db, clientId))!), clientSecret });
  });

  return router;
}
