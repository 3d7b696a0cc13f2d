// A SAML 2.0 identity provider stand-in for tests (an ÉduConnect look-alike), built with samlify on loopback
// HTTP: it publishes its metadata, VERIFIES each AuthnRequest's signature against the service provider's
// certificate (HTTP-POST or HTTP-Redirect binding; unsigned or badly signed → 400), shows its own login form,
// and answers with a signed Response holding a signed, then encrypted (AES-256-CBC + RSA-OAEP), Assertion,
// POSTed to the ACS by an auto-submitting form. Switches make it misbehave for negative tests.
//
// samlify insists on an XML schema validator; this stand-in registers a pass-through one (it only parses what
// the gateway under test sends, and the gateway's own side never relies on samlify).
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import express from 'express';
import * as samlify from 'samlify';
import { makeTestCertificate, type TestCertificate } from './test-certificate.js';

export interface SamlTestUser {
  readonly login: string;
  readonly password: string;
  readonly nameId: string;
  /** By attribute Name, such as `urn:oid:1.3.6.1.4.1.20326.10.999.1.57` or `FrEduVecteur`. */
  readonly attributes: Readonly<Record<string, readonly string[]>>;
  /** The IdP answers this user's login with a Responder/AuthnFailed status instead of an assertion. */
  readonly refused?: boolean;
}

export interface SamlTestServiceProvider {
  readonly entityId: string;
  readonly acsUrl: string;
  /** Verifies the AuthnRequests, PEM. */
  readonly certificate: string;
  /** Assertions are encrypted to it, PEM. */
  readonly encryptionCertificate: string;
}

export interface SamlIdpBehaviour {
  /** `rogue`: responses and assertions are signed with a key that is not in the metadata. */
  readonly signWith: 'own' | 'rogue';
  /** Encrypt the assertion to the service provider (default true). */
  readonly encrypt: boolean;
  /** Changes the Response's XML before it is signed (a Recipient, an Audience…): an IdP that signs what it should not. */
  readonly rewrite?: (responseXml: string) => string;
}

export interface SamlIdp {
  readonly entityId: string;
  /** The SingleSignOnService, for both bindings. */
  readonly ssoUrl: string;
  readonly metadataUrl: string;
  readonly metadataXml: string;
  /** Its signing certificate, PEM (the one in the metadata). */
  readonly certificatePem: string;
  setServiceProvider(serviceProvider: SamlTestServiceProvider): void;
  behave(changes: Partial<SamlIdpBehaviour>): void;
  close(): Promise<void>;
}

const BINDING_POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';
const BINDING_REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
const NAMEID_PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';
const STATUS = {
  success: 'urn:oasis:names:tc:SAML:2.0:status:Success',
  responder: 'urn:oasis:names:tc:SAML:2.0:status:Responder',
  authnFailed: 'urn:oasis:names:tc:SAML:2.0:status:AuthnFailed',
};
const SIGNATURE_ALGORITHM = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
/** FriendlyNames the stand-in adds, as Shibboleth IdPs do for well-known attributes. */
const FRIENDLY_NAMES: Record<string, string> = {
  'urn:oid:2.5.4.42': 'givenName',
  'urn:oid:2.5.4.4': 'sn',
  'urn:oid:1.3.6.1.4.1.20326.10.999.1.57': 'FrEduCtId',
  'urn:oid:1.3.6.1.4.1.20326.10.999.1.7': 'FrEduCtPersonAffiliation',
};
const RESPONSE_LIFETIME_MS = 5 * 60_000;

samlify.setSchemaValidator({ validate: async () => 'not validated: test stand-in' });

interface PendingLogin {
  readonly requestId: string;
  readonly relayState: string | undefined;
}

export async function startSamlIdp(options: {
  users: readonly SamlTestUser[];
  serviceProvider?: SamlTestServiceProvider;
  behaviour?: Partial<SamlIdpBehaviour>;
}): Promise<SamlIdp> {
  const [own, rogue] = await Promise.all([makeTestCertificate('idp.test'), makeTestCertificate('rogue.test')]);
  const app = express();
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const entityId = `${origin}/idp`;
  const ssoUrl = `${origin}/idp/sso`;
  const identityProvider = (keys: TestCertificate, encrypt: boolean) => samlify.IdentityProvider({
    entityID: entityId,
    privateKey: keys.privateKeyPem,
    signingCert: keys.certificatePem,
    wantAuthnRequestsSigned: true,
    requestSignatureAlgorithm: SIGNATURE_ALGORITHM,
    isAssertionEncrypted: encrypt,
    nameIDFormat: [NAMEID_PERSISTENT],
    singleSignOnService: [{ Binding: BINDING_POST, Location: ssoUrl }, { Binding: BINDING_REDIRECT, Location: ssoUrl }],
    // Declared because samlify warns without one; the stand-in does not implement logout (501).
    singleLogoutService: [{ Binding: BINDING_REDIRECT, Location: `${origin}/idp/slo` }],
  });
  const metadataXml = identityProvider(own, true).getMetadata();

  let behaviour: SamlIdpBehaviour = { signWith: 'own', encrypt: true, ...options.behaviour };
  let sp: { settings: SamlTestServiceProvider; entity: samlify.ServiceProviderInstance } | undefined;
  const setServiceProvider = (settings: SamlTestServiceProvider) => {
    sp = {
      settings,
      entity: samlify.ServiceProvider({
        entityID: settings.entityId,
        assertionConsumerService: [{ Binding: BINDING_POST, Location: settings.acsUrl }],
        signingCert: settings.certificate,
        encryptCert: settings.encryptionCertificate,
        authnRequestsSigned: true,
        wantAssertionsSigned: true,
        wantMessageSigned: true,
      }),
    };
  };
  if (options.serviceProvider) setServiceProvider(options.serviceProvider);
  const pending = new Map<string, PendingLogin>();

  app.use(express.urlencoded({ extended: false, limit: '1mb' }));
  app.get('/idp/metadata', (_req, res) => {
    res.type('application/samlmetadata+xml').send(metadataXml);
  });
  app.all('/idp/slo', (_req, res) => {
    res.status(501).type('text/plain').send('Déconnexion non prise en charge par ce fournisseur de test.');
  });

  // Both bindings: the request's signature is checked before anything is shown.
  app.all('/idp/sso', async (req, res) => {
    if (!sp) {
      res.status(503).type('text/plain').send('Aucun fournisseur de service n’est configuré.');
      return;
    }
    const redirect = req.method === 'GET';
    const query = req.query as Record<string, string | undefined>;
    const fields = redirect ? query : (req.body ?? {}) as Record<string, string | undefined>;
    try {
      const parsed = await identityProvider(own, behaviour.encrypt).parseLoginRequest(sp.entity, redirect ? 'redirect' : 'post',
        redirect ? { query, octetString: signedOctets(req.originalUrl) } : { body: fields });
      const request = parsed.extract.request as Record<string, string> | undefined;
      if (!request?.id) throw new Error('the AuthnRequest has no ID');
      if (parsed.extract.issuer !== sp.settings.entityId) throw new Error(`unknown issuer ${String(parsed.extract.issuer)}`);
      const acs = request.assertionConsumerServiceUrl;
      if (acs !== undefined && acs !== sp.settings.acsUrl) throw new Error(`unregistered AssertionConsumerServiceURL ${acs}`);
      const transaction = randomBytes(16).toString('hex');
      pending.set(transaction, { requestId: request.id, relayState: fields.RelayState });
      res.type('html').send(loginPage(transaction));
    } catch (error) {
      res.status(400).type('text/plain').send(`Requête SAML refusée : ${error instanceof Error ? error.message : String(error)}`);
    }
  });

  app.post('/idp/login', async (req, res) => {
    const form = (req.body ?? {}) as Record<string, string | undefined>;
    const login = pending.get(form.transaction ?? '');
    if (!login || !sp) {
      res.status(400).type('text/plain').send('Demande de connexion inconnue ou expirée.');
      return;
    }
    const user = options.users.find((candidate) => candidate.login === form.login && candidate.password === form.password);
    if (!user) {
      res.status(401).type('html').send(loginPage(form.transaction!, 'Identifiant ou mot de passe incorrect.'));
      return;
    }
    pending.delete(form.transaction!);
    const keys = behaviour.signWith === 'own' ? own : rogue;
    const samlResponse = user.refused
      ? refusal(keys, { entityId, login, acsUrl: sp.settings.acsUrl })
      : await assertionResponse(identityProvider(keys, behaviour.encrypt), sp, { entityId, login, user }, behaviour.rewrite);
    res.type('html').send(autoSubmitPage(sp.settings.acsUrl, { SAMLResponse: samlResponse, ...(login.relayState ? { RelayState: login.relayState } : {}) }));
  });

  return {
    entityId,
    ssoUrl,
    metadataUrl: `${origin}/idp/metadata`,
    metadataXml,
    certificatePem: own.certificatePem,
    setServiceProvider,
    behave(changes) {
      behaviour = { ...behaviour, ...changes };
    },
    close: () => new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((error) => (error ? reject(error) : resolve()));
    }),
  };
}

/**
 * The Redirect binding signs the query's own bytes (`SAMLRequest=…&RelayState=…&SigAlg=…`, as sent, still
 * URL-encoded): they are taken from the raw URL, never re-encoded (SAML bindings §3.4.4.1).
 */
function signedOctets(originalUrl: string): string {
  const parameters = (originalUrl.split('?')[1] ?? '').split('&');
  return ['SAMLRequest', 'RelayState', 'SigAlg']
    .map((name) => parameters.find((parameter) => parameter.startsWith(`${name}=`)))
    .filter((parameter): parameter is string => parameter !== undefined)
    .join('&');
}

async function assertionResponse(
  idp: samlify.IdentityProviderInstance,
  sp: { settings: SamlTestServiceProvider; entity: samlify.ServiceProviderInstance },
  context: { entityId: string; login: PendingLogin; user: SamlTestUser },
  rewrite: SamlIdpBehaviour['rewrite'],
): Promise<string> {
  const responseId = newId();
  const xml = (rewrite ?? ((unchanged: string) => unchanged))(responseXml(context, sp.settings, responseId));
  // Assertion signed, then encrypted, then the Response signed (encryptThenSign), as ÉduConnect does.
  const { context: base64 } = await idp.createLoginResponse(sp.entity, { extract: { request: { id: context.login.requestId } } }, 'post',
    { email: context.user.nameId }, { encryptThenSign: true, customTagReplacement: () => ({ id: responseId, context: xml }) });
  return base64;
}

function responseXml(
  { entityId, login, user }: { entityId: string; login: PendingLogin; user: SamlTestUser },
  sp: SamlTestServiceProvider,
  responseId: string,
): string {
  const now = new Date();
  const instant = now.toISOString();
  const expiry = new Date(now.getTime() + RESPONSE_LIFETIME_MS).toISOString();
  const attributes = Object.entries(user.attributes).map(([name, values]) => {
    const friendlyName = FRIENDLY_NAMES[name];
    return `<saml:Attribute Name="${xmlEscape(name)}"${friendlyName ? ` FriendlyName="${friendlyName}"` : ''}`
      + ` NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:${name.startsWith('urn:') ? 'uri' : 'basic'}">`
      + values.map((value) => `<saml:AttributeValue xsi:type="xs:string">${xmlEscape(value)}</saml:AttributeValue>`).join('')
      + '</saml:Attribute>';
  }).join('');
  return `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"`
    + ` ID="${responseId}" Version="2.0" IssueInstant="${instant}" Destination="${xmlEscape(sp.acsUrl)}" InResponseTo="${xmlEscape(login.requestId)}">`
    + `<saml:Issuer>${xmlEscape(entityId)}</saml:Issuer>`
    + `<samlp:Status><samlp:StatusCode Value="${STATUS.success}"/></samlp:Status>`
    + '<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
    + ` xmlns:xs="http://www.w3.org/2001/XMLSchema" ID="${newId()}" Version="2.0" IssueInstant="${instant}">`
    + `<saml:Issuer>${xmlEscape(entityId)}</saml:Issuer>`
    + `<saml:Subject><saml:NameID Format="${NAMEID_PERSISTENT}" NameQualifier="${xmlEscape(entityId)}" SPNameQualifier="${xmlEscape(sp.entityId)}">`
    + `${xmlEscape(user.nameId)}</saml:NameID>`
    + '<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">'
    + `<saml:SubjectConfirmationData InResponseTo="${xmlEscape(login.requestId)}" NotOnOrAfter="${expiry}" Recipient="${xmlEscape(sp.acsUrl)}"/>`
    + '</saml:SubjectConfirmation></saml:Subject>'
    + `<saml:Conditions NotBefore="${instant}" NotOnOrAfter="${expiry}">`
    + `<saml:AudienceRestriction><saml:Audience>${xmlEscape(sp.entityId)}</saml:Audience></saml:AudienceRestriction></saml:Conditions>`
    + `<saml:AuthnStatement AuthnInstant="${instant}" SessionIndex="${newId()}"><saml:AuthnContext>`
    + '<saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef>'
    + '</saml:AuthnContext></saml:AuthnStatement>'
    + `<saml:AttributeStatement>${attributes}</saml:AttributeStatement>`
    + '</saml:Assertion></samlp:Response>';
}

/** A signed Response with a Responder/AuthnFailed status and no assertion, base64. */
function refusal(keys: TestCertificate, context: { entityId: string; login: PendingLogin; acsUrl: string }): string {
  const xml = '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"'
    + ` ID="${newId()}" Version="2.0" IssueInstant="${new Date().toISOString()}" Destination="${xmlEscape(context.acsUrl)}"`
    + ` InResponseTo="${xmlEscape(context.login.requestId)}"><saml:Issuer>${xmlEscape(context.entityId)}</saml:Issuer>`
    + `<samlp:Status><samlp:StatusCode Value="${STATUS.responder}"><samlp:StatusCode Value="${STATUS.authnFailed}"/></samlp:StatusCode>`
    + '<samlp:StatusMessage>Accès refusé</samlp:StatusMessage></samlp:Status></samlp:Response>';
  return samlify.SamlLib.constructSAMLSignature({
    rawSamlMessage: xml,
    isMessageSigned: true,
    privateKey: keys.privateKeyPem,
    // samlify wants the certificate's base64 body here, as its metadata gives it, not the PEM.
    signingCert: keys.certificatePem.replace(/-----[A-Z ]+-----|\s/g, ''),
    signatureAlgorithm: SIGNATURE_ALGORITHM,
    signatureConfig: { prefix: 'ds', location: { reference: "/*[local-name(.)='Response']/*[local-name(.)='Issuer']", action: 'after' } },
  });
}

function loginPage(transaction: string, error?: string): string {
  return '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Connexion — fournisseur d’identité de test</title></head>'
    + '<body><main><h1>Connexion</h1>'
    + (error ? `<p role="alert">${htmlEscape(error)}</p>` : '')
    + '<form method="post" action="/idp/login">'
    + `<input type="hidden" name="transaction" value="${htmlEscape(transaction)}">`
    + '<p><label for="login">Identifiant</label> <input id="login" name="login" autocomplete="username" required></p>'
    + '<p><label for="password">Mot de passe</label> <input id="password" name="password" type="password" autocomplete="current-password" required></p>'
    + '<p><button type="submit">Se connecter</button></p>'
    + '</form></main></body></html>';
}

function autoSubmitPage(action: string, fields: Record<string, string>): string {
  return '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Retour vers le service</title></head><body>'
    + `<form method="post" action="${htmlEscape(action)}">`
    + Object.entries(fields).map(([name, value]) => `<input type="hidden" name="${htmlEscape(name)}" value="${htmlEscape(value)}">`).join('')
    + '<noscript><p>JavaScript est désactivé : cliquez sur « Continuer ».</p><button type="submit">Continuer</button></noscript>'
    + '</form><script>document.forms[0].submit();</script></body></html>';
}

/** The first form of an HTML page the stand-in (or the gateway) wrote: its action, resolved, and its inputs' values. */
export function readHtmlForm(html: string, baseUrl: string): { action: string; fields: Record<string, string> } {
  const form = /<form\b([^>]*)>([\s\S]*?)<\/form>/i.exec(html);
  if (!form) throw new Error(`no form in the page:\n${html}`);
  const attribute = (tag: string, name: string) => {
    const match = new RegExp(`\\b${name}="([^"]*)"`, 'i').exec(tag);
    return match ? htmlUnescape(match[1]) : undefined;
  };
  const fields: Record<string, string> = {};
  for (const [input] of form[2].matchAll(/<input\b[^>]*>/gi)) {
    const name = attribute(input, 'name');
    if (name) fields[name] = attribute(input, 'value') ?? '';
  }
  return { action: new URL(attribute(form[1], 'action') ?? '', baseUrl).href, fields };
}

function newId(): string {
  return `_${randomBytes(20).toString('hex')}`;
}

function xmlEscape(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function htmlEscape(value: string): string {
  return xmlEscape(value).replace(/'/g, '&#39;');
}

function htmlUnescape(value: string): string {
  return value.replace(/&(amp|lt|gt|quot|#39);/g, (_entity, name: string) =>
    ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': '\'' })[name]!);
}
