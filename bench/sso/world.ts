// bench/sso's world: a roster of many pupils in a schema of the bench's own, the two upstream stand-ins (SAML
// ÉduConnect look-alike, académie OpenID Provider) knowing every pupil, a relying party, and the compiled gateway
// in a process of its own configured for both upstreams through a real PASSERELLE_SSO_CONFIG file. Unlike
// test/support/sso-world.ts (a handful of named people, the gateway in the test's process), the gateway's CPU
// here is its own, measurable apart from the stand-ins and the clients that share this process.
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createClient } from '../../gateway/auth/clients.js';
import { openStore } from '../../gateway/store/db.js';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { applyBatch } from '../../gateway/store/records.js';
import { establishment, LYON, newIne, newUai, upsert } from '../../test/support/fixtures.js';
import { freePort } from '../../test/support/ports.js';
import { startRelyingParty, type RelyingParty } from '../../test/support/relying-party.js';
import type { OidcIdp } from '../../test/support/oidc-idp.js';
import type { SamlIdp, SamlTestUser } from '../../test/support/saml-idp.js';
import { startSsoUpstreams } from '../../test/support/sso-upstreams.js';
import { startBuiltGateway } from '../built-gateway.js';

export const PASSWORD = 'mot-de-passe';
const PUPILS_PER_COLLEGE = 500;
const PUPILS_PER_DIVISION = 25;
const OID = (n: number) => `urn:oid:1.3.6.1.4.1.20326.10.999.1.${n}`;
/** The scopes an ENT asks for: who, where, which classes, which role. */
export const RP_SCOPES = ['openid', 'profile', 'school', 'classes', 'role'] as const;

export interface BenchWorldOptions {
  readonly databaseUrl: string;
  readonly redisUrl: string;
  readonly schema: string;
  readonly pupils: number;
}

/** How the gateway process is started (a profiled run adds node flags, or points it at a statement tap). */
export interface GatewayRun {
  /** Node flags for the gateway process, such as `--cpu-prof`. */
  readonly nodeArgs?: readonly string[];
  /** Another DATABASE_URL for the gateway only (the same database through a proxy). */
  readonly databaseUrl?: string;
  /** Gateway processes sharing the port (`serve --workers`, through WEB_CONCURRENCY); default 1. */
  readonly workers?: number;
}

export interface BenchWorld {
  readonly baseUrl: string;
  readonly saml: SamlIdp;
  readonly oidc: OidcIdp;
  readonly rp: RelyingParty;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The login of pupil `i` at both upstreams (`p{i}`). */
  readonly logins: readonly string[];
  /** Starts the gateway process (the previous one must be stopped). */
  startGateway(run?: GatewayRun): Promise<ChildProcess>;
  close(): Promise<void>;
}

export async function startBenchWorld(options: BenchWorldOptions): Promise<BenchWorld> {
  const store = await openStore({ databaseUrl: options.databaseUrl, databaseSchema: options.schema, dataDir: '' });
  await store.migrate();
  const logins = await seedPupils(store.db, options.pupils);
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;

  const upstreams = await startSsoUpstreams(baseUrl, {
    saml: logins.map(samlUser),
    oidc: logins.map((login, i) => ({
      login, password: PASSWORD,
      claims: { given_name: 'Élève', family_name: `N${i}`, FrEduCtRefId: `{AAF}10|ELV|${aafId(i)}`, FrEduCtPersonAffiliation: 'eleve' },
    })),
  });
  const { saml, oidc } = upstreams;

  const rpPort = await freePort();
  const rpUrl = `http://127.0.0.1:${rpPort}`;
  const { client, clientSecret } = await createClient(store.db, {
    name: 'ENT de bench', scopes: [...RP_SCOPES], perimeter: ['national'],
    relyingParty: { redirectUris: [`${rpUrl}/callback`], postLogoutRedirectUris: [`${rpUrl}/logged-out`], refreshTokens: false, allRoles: false },
  });
  await store.close();
  const rp = await startRelyingParty({ issuer: baseUrl, clientId: client.clientId, clientSecret: clientSecret!, scopes: RP_SCOPES, name: 'ENT de bench', port: rpPort });

  return {
    baseUrl, saml, oidc, rp, clientId: client.clientId, clientSecret: clientSecret!, logins,
    startGateway: (run = {}) => startBuiltGateway({
      databaseUrl: run.databaseUrl ?? options.databaseUrl, schema: options.schema, port,
      env: {
        REDIS_URL: options.redisUrl, QUEUE_PREFIX: options.schema, LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
        ...upstreams.env, WEB_CONCURRENCY: String(run.workers ?? 1),
      },
      nodeArgs: run.nodeArgs,
    }),
    async close() {
      await rp.close();
      await upstreams.close();
    },
  };
}

const aafId = (i: number) => `AAF-B${i}`;

function samlUser(login: string, i: number): SamlTestUser {
  return {
    login, password: PASSWORD, nameId: `nameid-${login}`,
    attributes: {
      [OID(57)]: [`fredu-${login}`], [OID(7)]: ['eleve2d'], FrEduCtRefId: [`{AAF}10|ELV|${aafId(i)}`],
      'urn:oid:2.5.4.42': ['Élève'], 'urn:oid:2.5.4.4': [`N${i}`],
    },
  };
}

/** `pupils` pupils in collèges of Lyon (500 each, in divisions of 25), known upstream by their AAF id; their logins. */
async function seedPupils(db: Parameters<typeof applyBatch>[0], pupils: number): Promise<string[]> {
  for (let first = 0; first < pupils; first += PUPILS_PER_COLLEGE) {
    const uai = newUai('069');
    await putEstablishment(db, establishment(uai, LYON, { name: `Collège ${uai}` }) as never);
    const records: ReturnType<typeof upsert>[] = [];
    let divisionId = '';
    for (let i = first; i < Math.min(pupils, first + PUPILS_PER_COLLEGE); i += 1) {
      if ((i - first) % PUPILS_PER_DIVISION === 0) {
        divisionId = randomUUID();
        const code = `6${String.fromCharCode(65 + (i - first) / PUPILS_PER_DIVISION)}`;
        records.push(upsert('group', { id: divisionId, kind: 'division', code, name: code }));
      }
      const id = randomUUID();
      records.push(upsert('person', { id, kind: 'pupil', familyName: `N${i}`, givenName: 'Élève', ine: newIne(), sourceIds: { aaf: aafId(i), siecle: String(700_000 + i) } }));
      records.push(upsert('membership', { id: randomUUID(), personId: id, groupId: divisionId, role: 'pupil' }));
    }
    await applyBatch(db, uai, records as never);
  }
  return Array.from({ length: pupils }, (_, i) => `p${i}`);
}
