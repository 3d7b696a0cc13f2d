// The SAML 2.0 upstream (ÉduConnect-like) against a real identity provider stand-in on loopback: begin makes a
// signed AuthnRequest the IdP accepts, the browser's part is played with plain HTTP, and finish turns what the
// IdP POSTs back into an assertion, or refuses it with the right reason.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SamlProviderConfig } from '../../gateway/sso/config.js';
import { parseIdpMetadata } from '../../gateway/sso/upstream/saml-metadata.js';
import { createSamlUpstream } from '../../gateway/sso/upstream/saml.js';
import { UpstreamError, type UpstreamProvider, type UpstreamStart, type UpstreamStep } from '../../gateway/sso/upstream/upstream.js';
import { readHtmlForm, startSamlIdp, type SamlIdp, type SamlTestUser } from '../support/saml-idp.js';
import { makeTestCertificate, type TestCertificate } from '../support/test-certificate.js';

const PUBLIC_URL = 'https://passerelle.test';
const CALLBACK = `${PUBLIC_URL}/sso/callback/educonnect`;
const SP_ENTITY_ID = `${PUBLIC_URL}/sso/metadata/educonnect`;
const OID = (n: number) => `urn:oid:1.3.6.1.4.1.20326.10.999.1.${n}`;

const pupil: SamlTestUser = {
  login: 'camille.martin',
  password: 'Motdepasse-1',
  nameId: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
  attributes: {
    [OID(57)]: ['3f2a9c1e5b7d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c6e8b0d2f4a6c8e0b2d4f6a8c0e2b4d6f8a0c2e'],
    [OID(7)]: ['eleve2d'],
    'urn:oid:2.5.4.42': ['Camille'],
    'urn:oid:2.5.4.4': ['Martin'],
    FrEduCtRefId: ['{AAF}01|x|1234567'],
    FrEduVecteur: ['4|Martin|Camille|701294|0790031E', '4|Martin|Camille|701295|0750001A'],
  },
};
const refusedPupil: SamlTestUser = { ...pupil, login: 'refusé', nameId: 'refused' };

let idp: SamlIdp;
let sp: TestCertificate;
let otherKey: TestCertificate;

function providerConfig(changes: Partial<SamlProviderConfig> = {}): SamlProviderConfig {
  return {
    kind: 'saml',
    id: 'educonnect',
    name: 'ÉduConnect',
    mapping: { givenName: ['urn:oid:2.5.4.42'], familyName: ['urn:oid:2.5.4.4'] },
    link: [],
    idp: parseIdpMetadata(idp.metadataXml),
    sp: {
      entityId: SP_ENTITY_ID,
      privateKey: sp.privateKeyPem,
      certificate: sp.certificatePem,
      decryptionKey: sp.privateKeyPem,
      decryptionCertificate: sp.certificatePem,
    },
    requireEncryptedAssertions: true,
    ...changes,
  };
}

beforeAll(async () => {
  [sp, otherKey] = await Promise.all([makeTestCertificate('passerelle.test'), makeTestCertificate('other.test')]);
  idp = await startSamlIdp({
    users: [pupil, { ...refusedPupil, refused: true }],
    serviceProvider: { entityId: SP_ENTITY_ID, acsUrl: CALLBACK, certificate: sp.certificatePem, encryptionCertificate: sp.certificatePem },
  });
});
afterAll(async () => {
  await idp?.close();
});
afterEach(() => {
  idp.behave({ signWith: 'own', encrypt: true, rewrite: undefined });
  vi.useRealTimers();
});

/** The browser going to the IdP with what `begin` gave. */
function openIdp(step: UpstreamStep): Promise<Response> {
  return step.kind === 'redirect'
    ? fetch(step.url)
    : fetch(step.action, { method: 'POST', body: new URLSearchParams({ ...step.fields }) });
}

/** begin, the IdP's login form filled in, and the form the IdP's page auto-submits to the callback. */
async function logIn(provider: UpstreamProvider, user: SamlTestUser): Promise<{ start: UpstreamStart; posted: Record<string, string> }> {
  const start = await provider.begin(CALLBACK);
  const loginPage = await openIdp(start.step);
  expect(loginPage.status).toBe(200);
  const loginForm = readHtmlForm(await loginPage.text(), idp.ssoUrl);
  const answer = await fetch(loginForm.action, {
    method: 'POST',
    body: new URLSearchParams({ ...loginForm.fields, login: user.login, password: user.password }),
  });
  expect(answer.status).toBe(200);
  const back = readHtmlForm(await answer.text(), loginForm.action);
  expect(back.action).toBe(CALLBACK);
  return { start, posted: back.fields };
}

function finish(provider: UpstreamProvider, posted: Record<string, string>, saved: UpstreamStart['saved'], callbackUrl = CALLBACK) {
  return provider.finish({ url: new URL(callbackUrl), form: posted }, saved, callbackUrl);
}

async function refusal(promise: Promise<unknown>): Promise<UpstreamError> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(UpstreamError);
  return error as UpstreamError;
}

function decodeResponse(posted: Record<string, string>): string {
  return Buffer.from(posted.SAMLResponse, 'base64').toString('utf8');
}

describe('logging in through a SAML identity provider', () => {
  it('posts a signed AuthnRequest and turns the encrypted, signed answer into NameID, attributes and session', async () => {
    const provider = createSamlUpstream(providerConfig());
    const { start, posted } = await logIn(provider, pupil);

    expect(start.step).toMatchObject({ kind: 'form', action: idp.ssoUrl });
    expect(Object.keys(start.step.kind === 'form' ? start.step.fields : {}).sort()).toEqual(['RelayState', 'SAMLRequest']);
    expect(start.state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(posted.RelayState).toBe(start.state);
    expect(decodeResponse(posted)).toContain('EncryptedAssertion');

    const assertion = await finish(provider, posted, start.saved);
    expect(assertion.subject).toBe(pupil.nameId);
    expect(assertion.attributes).toMatchObject({
      [OID(57)]: pupil.attributes[OID(57)],
      FrEduCtId: pupil.attributes[OID(57)],
      [OID(7)]: ['eleve2d'],
      'urn:oid:2.5.4.42': ['Camille'],
      givenName: ['Camille'],
      'urn:oid:2.5.4.4': ['Martin'],
      sn: ['Martin'],
      FrEduCtRefId: ['{AAF}01|x|1234567'],
      FrEduVecteur: ['4|Martin|Camille|701294|0790031E', '4|Martin|Camille|701295|0750001A'],
    });
    expect(assertion.session).toEqual({
      nameId: pupil.nameId,
      nameIdFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
      sessionIndex: expect.stringMatching(/^_[0-9a-f]{40}$/),
    });
  });

  it('sends the AuthnRequest by the Redirect binding, signed in the query, when the IdP offers only that', async () => {
    const provider = createSamlUpstream(providerConfig({ idp: { ...providerConfig().idp, ssoBinding: 'redirect' } }));
    const { start, posted } = await logIn(provider, pupil);

    expect(start.step.kind).toBe('redirect');
    const url = new URL(start.step.kind === 'redirect' ? start.step.url : '');
    expect(url.searchParams.get('SigAlg')).toBe('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
    expect(url.searchParams.get('Signature')).toBeTruthy();
    expect(url.searchParams.get('RelayState')).toBe(start.state);
    expect((await finish(provider, posted, start.saved)).subject).toBe(pupil.nameId);
  });

  it('gives a fresh request id and RelayState to every login', async () => {
    const provider = createSamlUpstream(providerConfig());
    const [first, second] = await Promise.all([provider.begin(CALLBACK), provider.begin(CALLBACK)]);
    expect(first.state).not.toBe(second.state);
    expect(first.saved.requestId).not.toBe(second.saved.requestId);
  });

  it('describes the gateway as a service provider: POST ACS, signing and encryption keys, signed requests and assertions', () => {
    const metadata = createSamlUpstream(providerConfig()).metadata!(CALLBACK);
    expect(metadata).toContain(`entityID="${SP_ENTITY_ID}"`);
    expect(metadata).toContain('AuthnRequestsSigned="true"');
    expect(metadata).toContain('WantAssertionsSigned="true"');
    expect(metadata).toMatch(/<AssertionConsumerService[^>]*Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"[^>]*Location="https:\/\/passerelle.test\/sso\/callback\/educonnect"/);
    expect(metadata).toContain('use="signing"');
    expect(metadata).toContain('use="encryption"');
  });
});

describe('what the gateway refuses', () => {
  it('refuses a RelayState that is not the one this login sent', async () => {
    const provider = createSamlUpstream(providerConfig());
    const { start, posted } = await logIn(provider, pupil);
    const error = await refusal(finish(provider, { ...posted, RelayState: `${start.state.slice(0, -1)}${start.state.endsWith('A') ? 'B' : 'A'}` }, start.saved));
    expect(error.reason).toBe('invalid');
    expect(error.message).toMatch(/RelayState/);
  });

  it('refuses a response to another login\'s AuthnRequest', async () => {
    const provider = createSamlUpstream(providerConfig());
    const { posted } = await logIn(provider, pupil);
    const other = await provider.begin(CALLBACK);
    const error = await refusal(finish(provider, { ...posted, RelayState: other.state }, other.saved));
    expect(error.reason).toBe('invalid');
    expect(error.message).toMatch(/InResponseTo/);
  });

  it('refuses a response delivered to another callback URL than the one it names', async () => {
    const provider = createSamlUpstream(providerConfig());
    const { start, posted } = await logIn(provider, pupil);
    const error = await refusal(finish(provider, posted, start.saved, `${PUBLIC_URL}/sso/callback/autre`));
    expect(error.reason).toBe('invalid');
    expect(error.message).toMatch(/Destination/);
  });

  it('refuses a response signed with a key that is not in the IdP\'s metadata', async () => {
    idp.behave({ signWith: 'rogue' });
    const provider = createSamlUpstream(providerConfig());
    const { start, posted } = await logIn(provider, pupil);
    const error = await refusal(finish(provider, posted, start.saved));
    expect(error.reason).toBe('invalid');
    expect(error.message).toMatch(/signature/i);
  });

  it('refuses an assertion in the clear when encryption is required, and accepts it when not', async () => {
    idp.behave({ encrypt: false });
    const strict = createSamlUpstream(providerConfig());
    const strictLogin = await logIn(strict, pupil);
    expect(decodeResponse(strictLogin.posted)).not.toContain('EncryptedAssertion');
    const error = await refusal(finish(strict, strictLogin.posted, strictLogin.start.saved));
    expect(error.reason).toBe('invalid');
    expect(error.message).toMatch(/not encrypted/);

    const lenient = createSamlUpstream(providerConfig({ requireEncryptedAssertions: false }));
    const lenientLogin = await logIn(lenient, pupil);
    expect((await finish(lenient, lenientLogin.posted, lenientLogin.start.saved)).subject).toBe(pupil.nameId);
  });

  it('reports a status other than Success as the provider refusing', async () => {
    const provider = createSamlUpstream(providerConfig());
    const { start, posted } = await logIn(provider, refusedPupil);
    const error = await refusal(finish(provider, posted, start.saved));
    expect(error.reason).toBe('refused');
    expect(error.message).toMatch(/Responder.*AuthnFailed.*Accès refusé/);
  });

  it('refuses a signed assertion whose attribute value was changed afterwards', async () => {
    idp.behave({ encrypt: false });
    const provider = createSamlUpstream(providerConfig({ requireEncryptedAssertions: false }));
    const { start, posted } = await logIn(provider, pupil);
    const xml = decodeResponse(posted);
    expect(xml).toContain('>Camille<');
    const tampered = Buffer.from(xml.replace('>Camille<', '>Camilla<')).toString('base64');
    const error = await refusal(finish(provider, { ...posted, SAMLResponse: tampered }, start.saved));
    expect(error.reason).toBe('invalid');
    expect(error.message).toMatch(/signature/i);
  });

  it('refuses a response that has expired by the time it arrives', async () => {
    const provider = createSamlUpstream(providerConfig());
    const { start, posted } = await logIn(provider, pupil);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 10 * 60_000);
    const error = await refusal(finish(provider, posted, start.saved));
    expect(error.reason).toBe('invalid');
    expect(error.message).toMatch(/expired/);
  });

  it.each([
    ['a bearer confirmation for another Recipient', (xml: string) => xml
      .replace(/ Destination="[^"]*"/, '').replace(/Recipient="[^"]*"/, `Recipient="${PUBLIC_URL}/sso/callback/autre"`), /Recipient/],
    ['an Audience other than the gateway', (xml: string) => xml
      .replace(/<saml:Audience>[^<]*</, '<saml:Audience>https://autre.test/sp<'), /audience mismatch/],
    ['an assertion issued by another entity', (xml: string) => xml
      .replace(/(<saml:Assertion[^>]*><saml:Issuer>)[^<]*/, '$1https://autre.test/idp'), /assertion's Issuer/],
    ['a bearer confirmation already expired', (xml: string) => xml
      .replace(/(<saml:SubjectConfirmationData[^>]*NotOnOrAfter=")[^"]*/, `$1${new Date(Date.now() - 5 * 60_000).toISOString()}`), /expired at/],
    ['a bearer confirmation without InResponseTo', (xml: string) => xml
      .replace(/(<saml:SubjectConfirmationData[^>]*) InResponseTo="[^"]*"/, '$1'), /InResponseTo missing/],
  ])('refuses an assertion the IdP signed with %s', async (_case, rewrite, message) => {
    idp.behave({ rewrite });
    const provider = createSamlUpstream(providerConfig());
    const { start, posted } = await logIn(provider, pupil);
    const error = await refusal(finish(provider, posted, start.saved));
    expect(error.reason).toBe('invalid');
    expect(error.message).toMatch(message);
  });

  it('refuses a saved login that lacks its request id', async () => {
    const provider = createSamlUpstream(providerConfig());
    const { start, posted } = await logIn(provider, pupil);
    const error = await refusal(finish(provider, posted, { relayState: start.state }));
    expect(error.reason).toBe('invalid');
  });
});

describe('what the identity provider stand-in refuses', () => {
  it('answers 400 to an AuthnRequest whose signature was removed', async () => {
    const start = await createSamlUpstream(providerConfig()).begin(CALLBACK);
    if (start.step.kind !== 'form') throw new Error('expected the POST binding');
    const request = Buffer.from(start.step.fields.SAMLRequest, 'base64').toString('utf8');
    const unsigned = request.replace(/<(\w+:)?Signature\b[\s\S]*<\/(\w+:)?Signature>/, '');
    expect(unsigned).not.toBe(request);
    const answer = await openIdp({ ...start.step, fields: { ...start.step.fields, SAMLRequest: Buffer.from(unsigned).toString('base64') } });
    expect(answer.status).toBe(400);
  });

  it('answers 400 to an AuthnRequest signed with a key it does not know, by either binding', async () => {
    const impostor = (ssoBinding: 'post' | 'redirect') => createSamlUpstream(providerConfig({
      idp: { ...providerConfig().idp, ssoBinding },
      sp: { ...providerConfig().sp, privateKey: otherKey.privateKeyPem, certificate: otherKey.certificatePem },
    }));
    expect((await openIdp((await impostor('post').begin(CALLBACK)).step)).status).toBe(400);
    expect((await openIdp((await impostor('redirect').begin(CALLBACK)).step)).status).toBe(400);
  });

  it('answers 400 to a Redirect-binding AuthnRequest without its query signature', async () => {
    const provider = createSamlUpstream(providerConfig({ idp: { ...providerConfig().idp, ssoBinding: 'redirect' } }));
    const start = await provider.begin(CALLBACK);
    const url = new URL(start.step.kind === 'redirect' ? start.step.url : '');
    url.searchParams.delete('Signature');
    url.searchParams.delete('SigAlg');
    expect((await fetch(url)).status).toBe(400);
  });
});
