// The SSO configuration: the upstream identity providers (OpenID Connect or SAML 2.0), how each one's
// attributes map to a person's names, role and roster join keys. Read once at start from the YAML file
// PASSERELLE_SSO_CONFIG names; deploy/sso-config.example.yaml shows every key.
import { ConfigFileError, readConfigFile, YamlConfigReader, type Path, type SecretRef } from '../config/yaml-config.js';
import { EDUCONNECT_LINK, EDUCONNECT_MAPPING } from './educonnect.js';
import { parseIdpMetadata } from './upstream/saml-metadata.js';
import { isSecureOrLoopback } from '../config/loopback.js';

export type UpstreamRole = 'pupil' | 'guardian' | 'teacher' | 'staff';

/** How an attribute's value finds roster people. */
export type LinkRule =
  /** The value (after `format`) is a source id of a person: `sourceIds[source]`. */
  | { readonly claim: string; readonly kind: 'source-id'; readonly source: string; readonly format: 'plain' | 'aaf-ref' }
  /** The value is a FrEduVecteur `profil|nom|prénom|idEleve|UAI`: idEleve is the pupil's `sourceIds[source]` in that UAI. */
  | { readonly claim: string; readonly kind: 'vector'; readonly source: string }
  /** The value is a hash of the pupil's INE (lower-case hex), compared with the hash of the stored INE. */
  | { readonly claim: string; readonly kind: 'ine-hash'; readonly algorithm: 'md5' };

/** Which attributes hold what; each list is tried in order, the first present wins. */
export interface AttributeMapping {
  /** Absent: the assertion's subject (OIDC `sub`, SAML NameID). */
  readonly subject?: readonly string[];
  readonly givenName: readonly string[];
  readonly familyName: readonly string[];
  /** The attribute holding the person's profile and what its values mean; values not listed give no role. */
  readonly role?: { readonly attribute: readonly string[]; readonly values: Readonly<Record<string, UpstreamRole>> };
}

interface ProviderBase {
  /** Lower-case letters, digits and dashes; in the callback URL `{PUBLIC_URL}/sso/callback/{id}`. */
  readonly id: string;
  /** What the login page shows, such as "ÉduConnect". */
  readonly name: string;
  readonly mapping: AttributeMapping;
  readonly link: readonly LinkRule[];
}

export interface OidcProviderConfig extends ProviderBase {
  readonly kind: 'oidc';
  /** The issuer; discovery at `{issuer}/.well-known/openid-configuration`. Plain http only on a loopback address. */
  readonly issuer: string;
  readonly clientId: string;
  /** client_secret_basic at the upstream token endpoint. */
  readonly clientSecret: string;
  /** Always includes openid. */
  readonly scopes: readonly string[];
  /** Also fetch the userinfo endpoint and merge its claims (default true). */
  readonly userinfo: boolean;
}

export interface SamlProviderConfig extends ProviderBase {
  readonly kind: 'saml';
  /** The identity provider, as its metadata describes it. */
  readonly idp: {
    readonly entityId: string;
    /** Its SingleSignOnService for the HTTP-POST binding (else HTTP-Redirect). */
    readonly ssoUrl: string;
    readonly ssoBinding: 'post' | 'redirect';
    /** Its signing certificates, PEM. */
    readonly certificates: readonly string[];
  };
  /** The gateway as a service provider for this IdP. */
  readonly sp: {
    /** Default `{PUBLIC_URL}/sso/metadata/{id}`. */
    readonly entityId: string;
    /** Signs AuthnRequests, PEM. */
    readonly privateKey: string;
    readonly certificate: string;
    /** Decrypts assertions, PEM; the signing key unless given. */
    readonly decryptionKey: string;
    readonly decryptionCertificate: string;
  };
  /** Refuse assertions that are not encrypted (default true, as ÉduConnect requires). */
  readonly requireEncryptedAssertions: boolean;
}

export type ProviderConfig = OidcProviderConfig | SamlProviderConfig;

export interface SsoConfig {
  /** The file it was read from, absolute. */
  readonly file: string;
  readonly providers: readonly ProviderConfig[];
}

// --- reading ---

/** A mistake in the SSO configuration file, named by file, line and key. */
export class SsoConfigError extends ConfigFileError {
  override readonly name = 'SsoConfigError';
}

const ENV_VARIABLE = 'PASSERELLE_SSO_CONFIG';
const METADATA_TIMEOUT_MS = 10_000;
const MAX_METADATA_BYTES = 5 * 1024 * 1024;

type RawAttributes = { subject?: string[]; givenName?: string[]; familyName?: string[]; role?: { attribute: string[]; values: Record<string, UpstreamRole> } };
type RawLink = { claim: string; source?: string; format?: 'plain' | 'aaf-ref' | 'vector'; ineHash?: 'md5' };
type RawProvider =
  | { kind: 'oidc'; id: string; name: string; issuer: string; clientId: string; clientSecret: SecretRef; scopes?: string[]; userinfo?: boolean; attributes?: RawAttributes; link?: RawLink[] }
  | {
    kind: 'saml'; id: string; name: string; metadata: { file: string } | { url: string };
    serviceProvider: { entityId?: string; privateKey: SecretRef; certificate: SecretRef; decryptionKey?: SecretRef; decryptionCertificate?: SecretRef };
    requireEncryptedAssertions?: boolean; attributes?: 'educonnect' | RawAttributes; link?: RawLink[];
  };
type RawConfig = { version: 1; providers: RawProvider[] };

/** The configuration PASSERELLE_SSO_CONFIG names, or undefined when it names none (no one can log in). */
export async function loadSsoConfig(publicUrl: string, env: NodeJS.ProcessEnv = process.env): Promise<SsoConfig | undefined> {
  const name = env[ENV_VARIABLE];
  if (!name) return undefined;
  const { file, text } = readConfigFile(ENV_VARIABLE, name);
  return parseSsoConfig(text, file, publicUrl, env);
}

/** Parses a configuration's text; `file` names it in errors and anchors its relative paths. */
export async function parseSsoConfig(text: string, file: string, publicUrl: string, env: NodeJS.ProcessEnv): Promise<SsoConfig> {
  const reader = new YamlConfigReader<RawConfig>(text, file, env, { schema: 'sso-config.schema.json', error: SsoConfigError });
  const ids = new Set<string>();
  const providers: ProviderConfig[] = [];
  for (const [i, raw] of reader.data.providers.entries()) {
    const at: Path = ['providers', i];
    if (ids.has(raw.id)) reader.fail([...at, 'id'], `expected an id used once (${raw.id} is already taken)`);
    ids.add(raw.id);
    providers.push(Object.freeze(raw.kind === 'oidc' ? oidcProvider(reader, raw, at) : await samlProvider(reader, raw, at, publicUrl)));
  }
  return Object.freeze({ file: reader.file, providers: Object.freeze(providers) });
}

function oidcProvider(reader: YamlConfigReader<RawConfig>, raw: Extract<RawProvider, { kind: 'oidc' }>, at: Path): OidcProviderConfig {
  const issuer = raw.issuer.replace(/\/+$/, '');
  const problem = urlProblem(issuer);
  if (problem) reader.fail([...at, 'issuer'], `expected ${problem}`);
  const scopes = raw.scopes ?? ['openid', 'profile'];
  return {
    kind: 'oidc', id: raw.id, name: raw.name, issuer, clientId: raw.clientId,
    clientSecret: reader.secret(raw.clientSecret, [...at, 'clientSecret'], 'text'),
    scopes: scopes.includes('openid') ? scopes : ['openid', ...scopes],
    userinfo: raw.userinfo ?? true,
    mapping: mappingOf(raw.attributes, { givenName: ['given_name'], familyName: ['family_name'] }),
    link: linkOf(reader, raw.link ?? [], [...at, 'link']),
  };
}

async function samlProvider(reader: YamlConfigReader<RawConfig>, raw: Extract<RawProvider, { kind: 'saml' }>, at: Path, publicUrl: string): Promise<SamlProviderConfig> {
  const xml = 'file' in raw.metadata
    ? reader.readFile(raw.metadata.file, [...at, 'metadata', 'file'], 'holding the identity provider\'s metadata')
    : await fetchMetadata(reader, raw.metadata.url, [...at, 'metadata', 'url']);
  let idp: SamlProviderConfig['idp'];
  try {
    idp = parseIdpMetadata(xml);
  } catch (error) {
    return reader.fail([...at, 'metadata'], `expected the metadata of a SAML identity provider: ${(error as Error).message}`);
  }
  const sp = raw.serviceProvider;
  const spAt = [...at, 'serviceProvider'];
  const privateKey = pem(reader, reader.secret(sp.privateKey, [...spAt, 'privateKey'], 'key'), [...spAt, 'privateKey'], 'PRIVATE KEY');
  const certificate = pem(reader, reader.secret(sp.certificate, [...spAt, 'certificate'], 'key'), [...spAt, 'certificate'], 'CERTIFICATE');
  const preset = raw.attributes === undefined || raw.attributes === 'educonnect';
  return {
    kind: 'saml', id: raw.id, name: raw.name, idp,
    sp: {
      entityId: sp.entityId ?? `${publicUrl}/sso/metadata/${raw.id}`,
      privateKey,
      certificate,
      decryptionKey: sp.decryptionKey ? pem(reader, reader.secret(sp.decryptionKey, [...spAt, 'decryptionKey'], 'key'), [...spAt, 'decryptionKey'], 'PRIVATE KEY') : privateKey,
      decryptionCertificate: sp.decryptionCertificate ? pem(reader, reader.secret(sp.decryptionCertificate, [...spAt, 'decryptionCertificate'], 'key'), [...spAt, 'decryptionCertificate'], 'CERTIFICATE') : certificate,
    },
    requireEncryptedAssertions: raw.requireEncryptedAssertions ?? true,
    mapping: preset ? EDUCONNECT_MAPPING : mappingOf(raw.attributes as RawAttributes, { givenName: ['givenName'], familyName: ['sn'] }),
    link: raw.link ? linkOf(reader, raw.link, [...at, 'link']) : preset ? EDUCONNECT_LINK : [],
  };
}

function mappingOf(raw: RawAttributes | undefined, defaults: Pick<AttributeMapping, 'givenName' | 'familyName'>): AttributeMapping {
  return {
    ...(raw?.subject ? { subject: raw.subject } : {}),
    givenName: raw?.givenName ?? defaults.givenName,
    familyName: raw?.familyName ?? defaults.familyName,
    ...(raw?.role ? { role: raw.role } : {}),
  };
}

function linkOf(reader: YamlConfigReader<RawConfig>, raw: readonly RawLink[], at: Path): LinkRule[] {
  return raw.map((rule, i): LinkRule => {
    if (rule.ineHash) {
      if (rule.source || rule.format) reader.fail([...at, i], 'expected either ineHash or source (and format), not both');
      return { claim: rule.claim, kind: 'ine-hash', algorithm: rule.ineHash };
    }
    if (!rule.source) return reader.fail([...at, i], 'expected a key source (the roster source whose ids the claim holds, such as aaf) or ineHash');
    const format = rule.format ?? (rule.claim === 'FrEduCtRefId' ? 'aaf-ref' : rule.claim === 'FrEduVecteur' ? 'vector' : 'plain');
    return format === 'vector'
      ? { claim: rule.claim, kind: 'vector', source: rule.source }
      : { claim: rule.claim, kind: 'source-id', source: rule.source, format };
  });
}

function pem(reader: YamlConfigReader<RawConfig>, text: string, at: Path, label: 'PRIVATE KEY' | 'CERTIFICATE'): string {
  if (!new RegExp(`-----BEGIN [A-Z ]*${label}-----`).test(text)) reader.fail(at, `expected a PEM ${label.toLowerCase()} (-----BEGIN … ${label}-----)`);
  return text.trim();
}

/** What is wrong with a provider's URL: https, or plain http on a loopback address only. */
function urlProblem(text: string): string | undefined {
  if (!URL.canParse(text)) return 'an absolute URL such as https://idp.example.fr';
  if (isSecureOrLoopback(new URL(text))) return undefined;
  return 'an https URL (plain http only on 127.0.0.1, [::1] or localhost)';
}

async function fetchMetadata(reader: YamlConfigReader<RawConfig>, url: string, at: Path): Promise<string> {
  const problem = urlProblem(url);
  if (problem) reader.fail(at, `expected ${problem}`);
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(METADATA_TIMEOUT_MS), redirect: 'follow' });
    if (!response.ok) return reader.fail(at, `expected the metadata at ${url}, which answered HTTP ${response.status}`);
    // Read no further than the limit: a wrong URL may stream anything, of any size.
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of response.body ?? []) {
      size += chunk.byteLength;
      // Leaving the loop cancels the stream.
      if (size > MAX_METADATA_BYTES) return reader.fail(at, `expected metadata of at most ${MAX_METADATA_BYTES} bytes`);
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  } catch (error) {
    if (error instanceof SsoConfigError) throw error;
    return reader.fail(at, `expected the metadata at ${url}, which could not be fetched (${(error as Error).message})`);
  }
}
