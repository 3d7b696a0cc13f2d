// The clients an `admin` caller manages: those it could have made itself, whose perimeter lies within its own and
// whose scopes are among its own. Any other is a 404, as a missing one; a change that would put a client out of
// the caller's reach is refused in the transaction that makes it.
import type { Kysely } from 'kysely';
import {
  createClient, getClient, listClients, revokeClient, rotateClientSecret, updateClient,
  type ClientGuard, type NewClientInput, type ClientUpdateInput, type RegisteredClient,
} from '../auth/clients.js';
import type { Scope } from '../auth/scopes.js';
import { GatewayError } from '../errors/gateway-error.js';
import { NotFoundProblem } from '../errors/problems.js';
import type { Database } from '../store/tables.js';
import { perimetersWithin } from './containment.js';
import type { PerimeterEntry } from './perimeter.js';
import { internalsOf, type ScopedAccess } from './scoped-access.js';

/** What the caller may hand out: its perimeter, and its client's scopes (a token asked for `admin` alone too). */
interface Reach {
  perimeter: readonly PerimeterEntry[];
  scopes: ReadonlySet<Scope>;
  entries: readonly string[];
}

type Grant = { scopes: readonly Scope[]; perimeter: readonly string[] };

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

export class ClientsScope {
  /** Built by `ScopedAccess.clients()`. */
  constructor(private readonly access: ScopedAccess) {}

  get #db(): Kysely<Database> {
    return internalsOf(this.access).db;
  }

  async #reach(): Promise<Reach> {
    await this.access.fresh();
    const own = await getClient(this.#db, this.access.caller.clientId);
    return { perimeter: this.access.perimeter, scopes: new Set(own?.scopes ?? []), entries: this.access.caller.perimeter };
  }

  async list(): Promise<RegisteredClient[]> {
    const reach = await this.#reach();
    const clients = await listClients(this.#db);
    const visible = await withinReach(this.#db, reach, clients);
    return clients.filter((_, i) => visible[i]);
  }

  async get(clientId: string): Promise<RegisteredClient> {
    return clientInReach(this.#db, await this.#reach(), clientId);
  }

  async create(input: NewClientInput) {
    return createClient(this.#db, input, { guard: guardOf(await this.#reach()) });
  }

  async update(clientId: string, changes: ClientUpdateInput): Promise<RegisteredClient> {
    return updateClient(this.#db, clientId, changes, { guard: guardOf(await this.#reach()) });
  }

  async revoke(clientId: string): Promise<RegisteredClient> {
    return revokeClient(this.#db, clientId, { guard: guardOf(await this.#reach()) });
  }

  /** A new secret for the client, with the client as it is then. */
  async rotateSecret(clientId: string): Promise<{ client: RegisteredClient; clientSecret: string }> {
    const clientSecret = await rotateClientSecret(this.#db, clientId, { guard: guardOf(await this.#reach()) });
    return { client: (await getClient(this.#db, clientId))!, clientSecret };
  }
}
