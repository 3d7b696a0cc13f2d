// A whole SSO world on loopback, for tests and the benchmark: two upstream stand-ins (an ÉduConnect-like SAML
// identity provider and an académie's OpenID Provider, each with its own login form and people), a gateway
// configured for both through a real PASSERELLE_SSO_CONFIG file, a roster those people are in, and relying
// parties registered with `--sso` metadata.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { createClient, type RegisteredClient } from '../../gateway/auth/clients.js';
import type { Kysely } from 'kysely';
import { parseSsoConfig } from '../../gateway/sso/config.js';
import { putEstablishment } from '../../gateway/store/establishments.js';
import { applyBatch } from '../../gateway/store/records.js';
import type { Database } from '../../gateway/store/tables.js';
import { startBalancer } from './balancer.js';
import { establishment, LYON, newIne, newUai, PARIS, upsert } from './fixtures.js';
import { startTestGateway, type TestGateway } from './gateway.js';
import type { OidcIdp } from './oidc-idp.js';
import { freePort } from './ports.js';
import { startRelyingParty, type RelyingParty } from './relying-party.js';
import type { SamlIdp, SamlTestUser } from './saml-idp.js';
import { startSsoUpstreams } from './sso-upstreams.js';

const OID = (n: number) => `urn:oid:1.3.6.1.4.1.20326.10.999.1.${n}`;
export const PASSWORD = 'mot-de-passe';

/** The roster: who is where, by name, with their record ids once written. */
export interface SsoRoster {
  readonly college: string;
  readonly lycee: string;
  readonly paris: string;
  /** Person ids by first name (the parent's records by `claire@college`, `claire@lycee`). */
  readonly ids: Record<string, string>;
}

export interface SsoWorld {
  /** The first gateway (of several with `replicas`). */
  readonly gateway: TestGateway;
  /** Every gateway process serving the public URL, and how many requests each has served. */
  readonly replicas: readonly { gateway: TestGateway; served: () => number }[];
  readonly baseUrl: string;
  readonly saml: SamlIdp;
  readonly oidc: OidcIdp;
  readonly roster: SsoRoster;
  readonly configFile: string;
  /** Registers a relying party (a client of kind relying-party) and starts its stand-in. */
  relyingParty(options: RelyingPartySpec): Promise<{ rp: RelyingParty; client: RegisteredClient; secret: string }>;
  close(): Promise<void>;
}

export interface RelyingPartySpec {
  name: string;
  scopes: readonly string[];
  perimeter?: readonly string[];
  allRoles?: boolean;
  refreshTokens?: boolean;
  backchannel?: boolean;
}

/** ÉduConnect's people: pupils and parents, with the attributes ÉduConnect sends. */
function samlUsers(roster: Omit<SsoRoster, 'ids'>): SamlTestUser[] {
  const user = (login: string, affiliation: string, attributes: Record<string, string[]>, extra: Partial<SamlTestUser> = {}): SamlTestUser => ({
    login, password: PASSWORD, nameId: `nameid-${login}`,
    attributes: { [OID(57)]: [`fredu-${login}`], [OID(7)]: [affiliation], ...attributes }, ...extra,
  });
  return [
    user('lea', 'eleve2d', { FrEduCtRefId: ['{AAF}10|ELV|AAF-LEA'], 'urn:oid:2.5.4.42': ['Léa'], 'urn:oid:2.5.4.4': ['Martin'] }),
    user('hugo', 'eleve2d', { FrEduCtRefId: ['{AAF}10|ELV|AAF-HUGO'] }),
    user('tom-vector', 'eleve2d', { FrEduVecteur: [`4|||701299|${roster.college}`] }),
    user('claire', 'responsable2d', { FrEduCtRefId: ['{AAF}10|PAR|AAF-CLAIRE'], 'urn:oid:2.5.4.42': ['Claire'], 'urn:oid:2.5.4.4': ['Martin'] }),
    user('ines', 'eleve2d', { FrEduCtRefId: ['{AAF}10|ELV|AAF-INES'] }),
    user('inconnu', 'eleve2d', { FrEduCtRefId: ['{AAF}10|ELV|AAF-NOBODY'] }),
    user('refus', 'eleve2d', {}, { refused: true }),
  ];
}

/**
 * `replicas`: that many gateways on one database schema behind a round-robin proxy at the public URL, each
 * request to the next, as a load balancer without affinity would. `redis: false`: no Redis, every session and
 * step in PostgreSQL.
 */
export async function startSsoWorld(prefix: string, options: { replicas?: number; redis?: boolean } = {}): Promise<SsoWorld> {
  const places = { college: newUai('069'), lycee: newUai('069'), paris: newUai('075') };
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const upstreams = await startSsoUpstreams(baseUrl, {
    saml: samlUsers(places),
    oidc: [
      { login: 'paul', password: PASSWORD, claims: { given_name: 'Paul', family_name: 'Bernard', FrEduCtRefId: '{AAF}10|ENS|AAF-PAUL' } },
      { login: 'ines', password: PASSWORD, claims: { FrEduCtRefId: '{AAF}10|ELV|AAF-INES', FrEduCtPersonAffiliation: 'eleve' } },
      { login: 'refus', password: PASSWORD, claims: {}, denied: true },
    ],
  });
  const { saml, oidc, configFile } = upstreams;
  const ssoConfig = await parseSsoConfig(fs.readFileSync(configFile, 'utf8'), configFile, baseUrl, upstreams.env);
  const replicaCount = options.replicas ?? 1;
  const storage: Record<string, string> = options.redis === false ? { REDIS_URL: '' } : {};
  const gateway = await startTestGateway(prefix, { PORT: String(replicaCount > 1 ? await freePort() : port), PUBLIC_URL: baseUrl, ...storage }, undefined, { ssoConfig });
  const others = await Promise.all(Array.from({ length: replicaCount - 1 }, async () =>
    startTestGateway(prefix, { PORT: String(await freePort()), PUBLIC_URL: baseUrl, DATABASE_SCHEMA: gateway.schema, QUEUE_PREFIX: gateway.schema, ...storage }, undefined, { ssoConfig })));
  const gateways = [gateway, ...others];
  const balanced = replicaCount > 1 ? await startBalancer(port, gateways.map((g) => g.baseUrl)) : undefined;
  const roster = await writeSsoRoster(gateway, places);
  const parties: RelyingParty[] = [];

  return {
    gateway, baseUrl, saml, oidc, roster, configFile,
    replicas: gateways.map((g, i) => ({ gateway: g, served: () => (balanced ? balanced.served(i) : Number.NaN) })),
    async relyingParty(spec) {
      const registered = await registerRelyingParty(gateway.gateway.store.db, baseUrl, spec);
      parties.push(registered.rp);
      return registered;
    },
    async close() {
      await Promise.all(parties.map((rp) => rp.close()));
      await balanced?.close();
      for (const other of others) await other.close();
      await gateway.close();
      await upstreams.close();
    },
  };
}

/** Registers a relying party of the gateway whose issuer is `issuer` (a client of kind relying-party) and starts its stand-in. */
export async function registerRelyingParty(db: Kysely<Database>, issuer: string, spec: RelyingPartySpec): Promise<{ rp: RelyingParty; client: RegisteredClient; secret: string }> {
  const rpPort = await freePort();
  const url = `http://127.0.0.1:${rpPort}`;
  const { client, clientSecret } = await createClient(db, {
    name: spec.name,
    scopes: spec.scopes,
    perimeter: spec.perimeter ?? ['national'],
    relyingParty: {
      redirectUris: [`${url}/callback`],
      postLogoutRedirectUris: [`${url}/logged-out`],
      ...(spec.backchannel === false ? {} : { backchannelLogoutUri: `${url}/backchannel-logout` }),
      refreshTokens: spec.refreshTokens ?? false,
      allRoles: spec.allRoles ?? false,
    },
  });
  const rp = await startRelyingParty({ issuer, clientId: client.clientId, clientSecret: clientSecret!, scopes: spec.scopes, name: spec.name, port: rpPort });
  return { rp, client, secret: clientSecret! };
}

/**
 * A collège and a lycée in Lyon, a collège in Paris. Léa (6A) and Tom (6B) at the collège, Hugo and Max (2nde 3)
 * at the lycée; Claire is the guardian of Léa and Hugo (one record in each establishment); Paul teaches 6A at the
 * collège and is Max's guardian at the lycée; Inès is a pupil in Lyon's collège and in Paris's.
 */
async function writeSsoRoster(gateway: TestGateway, places: Omit<SsoRoster, 'ids'>): Promise<SsoRoster> {
  const db = gateway.gateway.store.db;
  await putEstablishment(db, establishment(places.college, LYON, { name: 'Collège Jean Moulin' }));
  await putEstablishment(db, establishment(places.lycee, LYON, { name: 'Lycée Ampère', type: 'lycee' }));
  await putEstablishment(db, establishment(places.paris, PARIS, { name: 'Collège Henri IV' }));
  const ids: Record<string, string> = {};
  const id = (name: string) => (ids[name] ??= randomUUID());
  const person = (name: string, record: Record<string, unknown>) => upsert('person', { id: id(name), ...record });
  const group = (name: string, kind: string, code: string) => upsert('group', { id: id(name), kind, code, name: code });
  const member = (personName: string, groupName: string, role: string) => upsert('membership', { id: randomUUID(), personId: id(personName), groupId: id(groupName), role });
  const link = (guardianName: string, pupilName: string) => upsert('guardianLink', { id: randomUUID(), guardianId: id(guardianName), pupilId: id(pupilName), legalRepresentative: true, relationship: 'mother' });
  await applyBatch(db, places.college, [
    person('lea', { kind: 'pupil', familyName: 'Martin', givenName: 'Léa', ine: newIne(), sourceIds: { aaf: 'AAF-LEA', siecle: '701294' } }),
    person('tom', { kind: 'pupil', familyName: 'Durand', givenName: 'Tom', sourceIds: { aaf: 'AAF-TOM', siecle: '701299' } }),
    person('ines', { kind: 'pupil', familyName: 'Haddad', givenName: 'Inès', sourceIds: { aaf: 'AAF-INES' } }),
    person('claire@college', { kind: 'guardian', familyName: 'Martin', givenName: 'Claire', sourceIds: { aaf: 'AAF-CLAIRE' } }),
    person('paul', { kind: 'teacher', familyName: 'Bernard', givenName: 'Paul', sourceIds: { aaf: 'AAF-PAUL' } }),
    group('6A', 'division', '6A'), group('6B', 'division', '6B'), group('latin', 'group', 'LATIN'),
    member('lea', '6A', 'pupil'), member('lea', 'latin', 'pupil'), member('tom', '6B', 'pupil'), member('ines', '6B', 'pupil'), member('paul', '6A', 'teacher'),
    link('claire@college', 'lea'),
  ] as never);
  await applyBatch(db, places.lycee, [
    person('hugo', { kind: 'pupil', familyName: 'Martin', givenName: 'Hugo', sourceIds: { aaf: 'AAF-HUGO' } }),
    person('max', { kind: 'pupil', familyName: 'Bernard', givenName: 'Max', sourceIds: { aaf: 'AAF-MAX' } }),
    person('claire@lycee', { kind: 'guardian', familyName: 'Martin', givenName: 'Claire', sourceIds: { aaf: 'AAF-CLAIRE' } }),
    person('paul@parent', { kind: 'guardian', familyName: 'Bernard', givenName: 'Paul', sourceIds: { aaf: 'AAF-PAUL' } }),
    group('2-3', 'division', '2NDE3'),
    member('hugo', '2-3', 'pupil'), member('max', '2-3', 'pupil'),
    link('claire@lycee', 'hugo'), link('paul@parent', 'max'),
  ] as never);
  await applyBatch(db, places.paris, [
    person('ines@paris', { kind: 'pupil', familyName: 'Haddad', givenName: 'Inès', sourceIds: { aaf: 'AAF-INES' } }),
  ] as never);
  return { ...places, ids };
}
