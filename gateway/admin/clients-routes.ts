// The administration API for clients (`/v1/admin/clients`, scope `admin`): the repository `passerelle clients`
// uses, bounded by the caller's reach (perimeter/clients-scope.ts): any client out of it is a 404, as a missing one.
import { Router } from 'express';
import { clientView, type ClientAuthMethod } from '../auth/clients.js';
import { accessOf, requireAnyScope } from '../http/context.js';

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
    res.json({ data: (await accessOf(res).clients().list()).map(clientView) });
  });

  router.post('/admin/clients', admin, async (req, res) => {
    const { name, scopes, perimeter, authMethod, jwks } = req.body as ClientInput;
    const { client, clientSecret } = await accessOf(res).clients().create({ name, scopes, perimeter, authMethod, jwks });
    res.status(201).location(`/v1/admin/clients/${client.clientId}`).json({ ...clientView(client), ...(clientSecret ? { clientSecret } : {}) });
  });

  router.get('/admin/clients/:clientId', admin, async (req, res) => {
    res.json(clientView(await accessOf(res).clients().get(req.params.clientId as string)));
  });

  router.patch('/admin/clients/:clientId', admin, async (req, res) => {
    const changes = req.body as Partial<Pick<ClientInput, 'name' | 'scopes' | 'perimeter'>>;
    res.json(clientView(await accessOf(res).clients().update(req.params.clientId as string, changes)));
  });

  router.delete('/admin/clients/:clientId', admin, async (req, res) => {
    res.json(clientView(await accessOf(res).clients().revoke(req.params.clientId as string)));
  });

  router.post('/admin/clients/:clientId/rotate-secret', admin, async (req, res) => {
    const { client, clientSecret } = await accessOf(res).clients().rotateSecret(req.params.clientId as string);
    res.json({ ...clientView(client), clientSecret });
  });

  return router;
}
