// A SAML 2.0 identity provider (ÉduConnect and the like) as an upstream of the gateway, on @node-saml/node-saml:
// signed AuthnRequests (RSA-SHA256, SHA-256 digests) by the HTTP-POST or HTTP-Redirect binding, and the Web
// Browser SSO profile's checks on the Response POSTed back (SAML 2.0 profiles §4.1.4.3). node-saml checks the
// signatures, decrypts, and checks audience and Conditions; issuer, destination, recipient, InResponseTo and
// the bearer confirmation's times are checked here, against what `begin` saved, with no in-memory cache (the
// gateway runs several replicas and consumes each state once).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { SAML, SamlStatusError, ValidateInResponseTo, type Profile, type SamlConfig } from '@node-saml/node-saml';
import { SaxesParser } from 'saxes';
import type { SamlProviderConfig } from '../config.js';
import { UpstreamError, type UpstreamAssertion, type UpstreamProvider, type UpstreamStart, type UpstreamStep } from './upstream.js';

const PROTOCOL_NS = 'urn:oasis:names:tc:SAML:2.0:protocol';
const ASSERTION_NS = 'urn:oasis:names:tc:SAML:2.0:assertion';
const STATUS_SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';
const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';
/** How far the IdP's clock may be from ours. */
const CLOCK_SKEW_MS = 60_000;

/** What `begin` saves for `finish`. */
type SavedRequest = { requestId: string; relayState: string };

/** Makes the UpstreamError of a response that cannot be trusted, its message naming the provider. */
type Fail = (message: string, cause?: unknown) => UpstreamError;

export function createSamlUpstream(config: SamlProviderConfig): UpstreamProvider {
  // Responses are checked by one instance per callback URL (in practice one): node-saml keeps the IdP's
  // certificates parsed there. Requests need an instance each, as their id comes from generateUniqueId.
  const validators = new Map<string, SAML>();
  const validatorFor = (callbackUrl: string) => {
    let validator = validators.get(callbackUrl);
    if (!validator) validators.set(callbackUrl, (validator = serviceProvider(config, callbackUrl, newSamlId())));
    return validator;
  };
  return {
    id: config.id,
    kind: 'saml',
    name: config.name,

    async begin(callbackUrl: string): Promise<UpstreamStart> {
      const requestId = newSamlId();
      const relayState = randomBytes(32).toString('base64url');
      const saml = serviceProvider(config, callbackUrl, requestId);
      const step: UpstreamStep = config.idp.ssoBinding === 'post'
        ? { kind: 'form', action: config.idp.ssoUrl, fields: formFields(await saml.getAuthorizeMessageAsync(relayState)) }
        : { kind: 'redirect', url: await saml.getAuthorizeUrlAsync(relayState, undefined, {}) };
      const saved: SavedRequest = { requestId, relayState };
      return { step, state: relayState, saved };
    },

    async finish(callback, saved, callbackUrl): Promise<UpstreamAssertion> {
      const fail: Fail = (message, cause) =>
        new UpstreamError('invalid', `SAML provider ${config.id}: ${message}`, { cause });
      const { requestId, relayState } = readSaved(saved, fail);
      if (!sameString(callback.form.RelayState ?? '', relayState)) throw fail('the RelayState is not the one this login sent');
      const samlResponse = callback.form.SAMLResponse;
      if (!samlResponse) throw fail('no SAMLResponse was posted');

      const envelope = readResponseEnvelope(Buffer.from(samlResponse, 'base64').toString('utf8'), fail);
      if (envelope.inResponseTo !== requestId) {
        throw fail(`the Response's InResponseTo is ${describe(envelope.inResponseTo)}, not this login's request ${requestId}`);
      }
      if (envelope.issuer !== undefined && envelope.issuer !== config.idp.entityId) {
        throw fail(`the Response's Issuer is ${describe(envelope.issuer)}, not ${config.idp.entityId}`);
      }
      if (envelope.destination !== undefined && envelope.destination !== callbackUrl) {
        throw fail(`the Response's Destination is ${describe(envelope.destination)}, not ${callbackUrl}`);
      }
      if (envelope.status !== STATUS_SUCCESS) {
        throw new UpstreamError('refused', `SAML provider ${config.id} answered ${envelope.status ?? 'no status'}`
          + `${envelope.subStatus ? ` (${envelope.subStatus})` : ''}${envelope.statusMessage ? `: ${envelope.statusMessage}` : ''}`);
      }
      if (config.requireEncryptedAssertions && envelope.plainAssertion) {
        throw fail('the assertion is not encrypted, and this provider requires encrypted assertions');
      }

      const profile = await validatedProfile(validatorFor(callbackUrl), samlResponse, config.id, fail);
      const assertion = xmlJsRoot(profile.getAssertion?.(), 'Assertion');
      if (!assertion) throw fail('node-saml returned no assertion');
      const issuer = text(children(assertion, 'Issuer')[0]);
      if (issuer !== config.idp.entityId) throw fail(`the assertion's Issuer is ${describe(issuer)}, not ${config.idp.entityId}`);
      checkBearerConfirmation(assertion, { requestId, callbackUrl, now: Date.now() }, fail);
      if (!profile.nameID) throw fail('the assertion has no NameID');

      return {
        subject: profile.nameID,
        attributes: attributesOf(assertion),
        session: {
          nameId: profile.nameID,
          nameIdFormat: profile.nameIDFormat ?? '',
          sessionIndex: profile.sessionIndex ?? '',
        },
      };
    },

    metadata(callbackUrl: string): string {
      return serviceProvider(config, callbackUrl, newSamlId())
        .generateServiceProviderMetadata(config.sp.decryptionCertificate, config.sp.certificate);
    },
  };
}

/**
 * node-saml for one request: its ids come from `generateUniqueId`, so the instance that makes a request is
 * built with that request's id. It keeps no state the gateway relies on (InResponseTo is checked here).
 */
function serviceProvider(config: SamlProviderConfig, callbackUrl: string, requestId: string): SAML {
  const options: SamlConfig = {
    issuer: config.sp.entityId,
    callbackUrl,
    entryPoint: config.idp.ssoUrl,
    authnRequestBinding: config.idp.ssoBinding === 'post' ? 'HTTP-POST' : 'HTTP-Redirect',
    // The POST binding carries the XML base64-encoded only; DEFLATE belongs to the Redirect binding.
    skipRequestCompression: config.idp.ssoBinding === 'post',
    idpCert: [...config.idp.certificates],
    privateKey: config.sp.privateKey,
    publicCert: config.sp.certificate,
    decryptionPvk: config.sp.decryptionKey,
    signatureAlgorithm: 'sha256',
    digestAlgorithm: 'sha256',
    audience: config.sp.entityId,
    wantAssertionsSigned: true,
    wantAuthnResponseSigned: false,
    acceptedClockSkewMs: CLOCK_SKEW_MS,
    validateInResponseTo: ValidateInResponseTo.never,
    // The IdP chooses the NameID format and the authentication context (ÉduConnect offers several ways in).
    identifierFormat: null,
    disableRequestedAuthnContext: true,
    generateUniqueId: () => requestId,
  };
  return new SAML(options);
}

/** A SAML ID is an xs:ID (an NCName): it may not start with a digit. */
function newSamlId(): string {
  return `_${randomBytes(20).toString('hex')}`;
}

function formFields(message: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(message).map(([name, value]) => [name, String(value)]));
}

function readSaved(saved: Readonly<Record<string, unknown>>, fail: Fail): SavedRequest {
  const { requestId, relayState } = saved;
  if (typeof requestId !== 'string' || typeof relayState !== 'string') throw fail('the saved login lacks its request id or RelayState');
  return { requestId, relayState };
}

function sameString(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function describe(value: string | undefined): string {
  return value === undefined ? 'missing' : JSON.stringify(value);
}

async function validatedProfile(
  saml: SAML, samlResponse: string, providerId: string, fail: Fail,
): Promise<Profile> {
  let result: { profile: Profile | null };
  try {
    result = await saml.validatePostResponseAsync({ SAMLResponse: samlResponse });
  } catch (error) {
    if (error instanceof SamlStatusError) throw new UpstreamError('refused', `SAML provider ${providerId}: ${error.message}`, { cause: error });
    throw fail(`the Response was rejected: ${error instanceof Error ? error.message : String(error)}`, error);
  }
  if (!result.profile) throw new UpstreamError('refused', `SAML provider ${providerId} answered NoPassive`);
  return result.profile;
}

/** The Response element's own attributes, Issuer and Status, read before any signature is checked. */
interface ResponseEnvelope {
  inResponseTo?: string;
  destination?: string;
  issuer?: string;
  status?: string;
  subStatus?: string;
  statusMessage?: string;
  /** An Assertion child in the clear (not an EncryptedAssertion). */
  plainAssertion: boolean;
}

function readResponseEnvelope(xml: string, fail: Fail): ResponseEnvelope {
  const envelope: ResponseEnvelope = { plainAssertion: false };
  const parser = new SaxesParser({ xmlns: true });
  const path: string[] = [];
  let textOf: 'issuer' | 'statusMessage' | undefined;
  let collected = '';
  parser.on('doctype', () => {
    throw fail('the Response has a DOCTYPE');
  });
  parser.on('opentag', (tag) => {
    const name = `${tag.uri === PROTOCOL_NS ? 'samlp' : tag.uri === ASSERTION_NS ? 'saml' : tag.uri}:${tag.local}`;
    path.push(name);
    const at = path.join('/');
    const attribute = (key: string) => tag.attributes[key]?.value;
    if (path.length === 1) {
      if (name !== 'samlp:Response') throw fail(`the posted message is a ${tag.local}, not a samlp:Response`);
      envelope.inResponseTo = attribute('InResponseTo');
      envelope.destination = attribute('Destination');
    } else if (at === 'samlp:Response/saml:Issuer' || at === 'samlp:Response/samlp:Status/samlp:StatusMessage') {
      textOf = tag.local === 'Issuer' ? 'issuer' : 'statusMessage';
      collected = '';
    } else if (at === 'samlp:Response/samlp:Status/samlp:StatusCode') {
      envelope.status = attribute('Value');
    } else if (at === 'samlp:Response/samlp:Status/samlp:StatusCode/samlp:StatusCode') {
      envelope.subStatus = attribute('Value');
    } else if (path.length === 2 && tag.local === 'Assertion') {
      // By local name whatever the namespace, as node-saml finds the assertion it will read.
      envelope.plainAssertion = true;
    }
  });
  parser.on('text', (chunk) => {
    if (textOf) collected += chunk;
  });
  parser.on('closetag', () => {
    path.pop();
    if (textOf) {
      envelope[textOf] = collected.trim();
      textOf = undefined;
    }
  });
  try {
    parser.write(xml).close();
  } catch (error) {
    if (error instanceof UpstreamError) throw error;
    throw fail(`the SAMLResponse is not well-formed XML: ${error instanceof Error ? error.message : String(error)}`, error);
  }
  return envelope;
}

/** An element as node-saml's xml2js parse gives it (prefixes stripped, attributes in `$`, text in `_`). */
interface XmlJsElement {
  $?: Record<string, string>;
  _?: string;
  [child: string]: unknown;
}

function xmlJsRoot(document: unknown, name: string): XmlJsElement | undefined {
  const root = (document as Record<string, unknown> | undefined)?.[name];
  return root && typeof root === 'object' ? root as XmlJsElement : undefined;
}

function children(element: XmlJsElement | undefined, name: string): XmlJsElement[] {
  const value = element?.[name];
  return Array.isArray(value) ? value.filter((child): child is XmlJsElement => typeof child === 'object' && child !== null) : [];
}

function text(element: XmlJsElement | undefined): string | undefined {
  return element?._?.trim();
}

/**
 * The assertion must carry a bearer SubjectConfirmation for this login: its Recipient is the callback, its
 * InResponseTo the request, and its NotBefore/NotOnOrAfter include now (profiles §4.1.4.3).
 */
function checkBearerConfirmation(
  assertion: XmlJsElement,
  expected: { requestId: string; callbackUrl: string; now: number },
  fail: Fail,
): void {
  const problems: string[] = [];
  const bearers = children(children(assertion, 'Subject')[0], 'SubjectConfirmation').filter((c) => c.$?.Method === BEARER);
  for (const confirmation of bearers) {
    const data = children(confirmation, 'SubjectConfirmationData')[0]?.$ ?? {};
    const notBefore = data.NotBefore === undefined ? undefined : Date.parse(data.NotBefore);
    const notOnOrAfter = data.NotOnOrAfter === undefined ? undefined : Date.parse(data.NotOnOrAfter);
    if (data.Recipient !== expected.callbackUrl) problems.push(`Recipient ${describe(data.Recipient)} is not ${expected.callbackUrl}`);
    else if (data.InResponseTo !== expected.requestId) problems.push(`InResponseTo ${describe(data.InResponseTo)} is not ${expected.requestId}`);
    else if (notOnOrAfter === undefined || Number.isNaN(notOnOrAfter)) problems.push('it has no valid NotOnOrAfter');
    else if (expected.now - CLOCK_SKEW_MS >= notOnOrAfter) problems.push(`it expired at ${data.NotOnOrAfter}`);
    else if (notBefore !== undefined && (Number.isNaN(notBefore) || expected.now + CLOCK_SKEW_MS < notBefore)) problems.push(`it is not valid before ${data.NotBefore}`);
    else return;
  }
  throw fail(bearers.length === 0
    ? 'the assertion has no bearer SubjectConfirmation'
    : `no bearer SubjectConfirmation fits this login: ${problems.join('; ')}`);
}

/** Every Attribute by Name and by FriendlyName, values as text (an AttributeValue with no text is ''). */
function attributesOf(assertion: XmlJsElement): Record<string, string[]> {
  // A Map, then own properties: an attribute named __proto__ stays an attribute.
  const attributes = new Map<string, string[]>();
  const add = (name: string | undefined, values: string[]) => {
    if (name) attributes.set(name, [...(attributes.get(name) ?? []), ...values]);
  };
  for (const statement of children(assertion, 'AttributeStatement')) {
    for (const attribute of children(statement, 'Attribute')) {
      const values = children(attribute, 'AttributeValue').map((value) => value._ ?? '');
      add(attribute.$?.Name, values);
      if (attribute.$?.FriendlyName !== attribute.$?.Name) add(attribute.$?.FriendlyName, values);
    }
  }
  return Object.fromEntries(attributes);
}
