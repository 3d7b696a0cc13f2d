// The people an SSO account is linked to and their establishments, read once for the few seconds over which one
// login's requests come (the interaction's end, the perimeter check, the ID token's claims, userinfo) rather than
// at each of them. A link made or lost shows within `ttlMs`; the login that makes it replaces the old context.
import type { Kysely } from 'kysely';
import { linkedPeople } from '../store/sso/accounts.js';
import { establishmentsOf, type SsoEstablishment, type SsoPerson } from '../store/sso/people.js';
import type { Database } from '../store/tables.js';

export interface AccountContext {
  readonly people: readonly SsoPerson[];
  readonly establishments: readonly SsoEstablishment[];
}

export class AccountContexts {
  readonly #cache = new Map<string, { readonly until: number; readonly context: Promise<AccountContext> }>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly ttlMs = 10_000,
    private readonly maxEntries = 50_000,
  ) {}

  get(accountId: string): Promise<AccountContext> {
    const now = Date.now();
    const cached = this.#cache.get(accountId);
    if (cached && cached.until > now) return cached.context;
    const context = this.#read(accountId);
    // A failed read is not kept: the next request reads again.
    context.catch(() => this.#cache.delete(accountId));
    this.#put(accountId, context, now);
    return context;
  }

  /** What a login just read and linked is the context of the requests that follow it. */
  remember(accountId: string, context: AccountContext): void {
    this.#put(accountId, Promise.resolve(context), Date.now());
  }

  #put(accountId: string, context: Promise<AccountContext>, now: number): void {
    if (this.#cache.size >= this.maxEntries) this.#evictExpired(now);
    this.#cache.set(accountId, { until: now + this.ttlMs, context });
  }

  async #read(accountId: string): Promise<AccountContext> {
    const people = await linkedPeople(this.db, accountId);
    return { people, establishments: await establishmentsOf(this.db, people.map((p) => p.uai)) };
  }

  #evictExpired(now: number): void {
    for (const [key, entry] of this.#cache) if (entry.until <= now) this.#cache.delete(key);
    // Still full of live entries (a login peak): the oldest go, as a Map keeps insertion order.
    for (const key of this.#cache.keys()) {
      if (this.#cache.size < this.maxEntries) break;
      this.#cache.delete(key);
    }
  }
}
