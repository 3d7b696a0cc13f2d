// Reading an identity provider's SAML metadata: entityID, SingleSignOnService (POST preferred), signing
// certificates as PEM, and errors that name what is missing.
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseIdpMetadata } from '../../gateway/sso/upstream/saml-metadata.js';
import { startSamlIdp, type SamlIdp } from '../support/saml-idp.js';
import { makeTestCertificate, type TestCertificate } from '../support/test-certificate.js';

const POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';
const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';

let idp: SamlIdp;
let signing: TestCertificate;
let rollover: TestCertificate;
let encryption: TestCertificate;

beforeAll(async () => {
  [idp, signing, rollover, encryption] = await Promise.all([
    startSamlIdp({ users: [] }),
    makeTestCertificate('signing.idp.test'),
    makeTestCertificate('rollover.idp.test'),
    makeTestCertificate('encryption.idp.test'),
  ]);
});
afterAll(async () => {
  await idp?.close();
});

/** A certificate's base64 body as metadata carries it: one long line, here with a line break inside. */
function x509Element(certificate: TestCertificate): string {
  const body = certificate.certificatePem.replace(/-----[A-Z ]+-----|\s/g, '');
  return `<ds:X509Certificate>\n  ${body.slice(0, 100)}\n  ${body.slice(100)}\n</ds:X509Certificate>`;
}

function keyDescriptor(certificate: TestCertificate, use?: 'signing' | 'encryption'): string {
  return `<md:KeyDescriptor${use ? ` use="${use}"` : ''}><ds:KeyInfo><ds:X509Data>${x509Element(certificate)}</ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`;
}

function idpDescriptor(inside: string, protocols = 'urn:oasis:names:tc:SAML:2.0:protocol'): string {
  return `<md:IDPSSODescriptor protocolSupportEnumeration="${protocols}">${inside}</md:IDPSSODescriptor>`;
}

function entity(entityId: string, inside: string): string {
  return `<md:EntityDescriptor entityID="${entityId}">${inside}</md:EntityDescriptor>`;
}

function entities(inside: string): string {
  return '<?xml version="1.0" encoding="UTF-8"?>'
    + '<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#">'
    + `${inside}</md:EntitiesDescriptor>`;
}

function sameCertificate(pem: string, expected: string): boolean {
  return new X509Certificate(pem).fingerprint256 === new X509Certificate(expected).fingerprint256;
}

describe('reading IdP metadata', () => {
  it('reads the stand-in IdP\'s EntityDescriptor: entityID, the HTTP-POST SSO service and its signing certificate', () => {
    const metadata = parseIdpMetadata(idp.metadataXml);
    expect(metadata).toMatchObject({ entityId: idp.entityId, ssoUrl: idp.ssoUrl, ssoBinding: 'post' });
    expect(metadata.certificates).toHaveLength(1);
    expect(sameCertificate(metadata.certificates[0], idp.certificatePem)).toBe(true);
  });

  it('writes certificates as PEM with BEGIN/END lines and 64-character lines', () => {
    const [pem] = parseIdpMetadata(entities(entity('https://idp.test/idp', idpDescriptor(
      `${keyDescriptor(signing, 'signing')}<md:SingleSignOnService Binding="${POST}" Location="https://idp.test/sso"/>`)))).certificates;
    const lines = pem.trimEnd().split('\n');
    expect(lines[0]).toBe('-----BEGIN CERTIFICATE-----');
    expect(lines.at(-1)).toBe('-----END CERTIFICATE-----');
    const body = lines.slice(1, -1);
    expect(body.slice(0, -1).every((line) => line.length === 64)).toBe(true);
    expect(body.at(-1)!.length).toBeLessThanOrEqual(64);
    expect(sameCertificate(pem, signing.certificatePem)).toBe(true);
  });

  it('takes the first IdP of an EntitiesDescriptor, its Redirect service when it has no POST one, and only its signing keys', () => {
    const xml = entities(
      entity('https://sp.test/sp', '<md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        + `<md:AssertionConsumerService Binding="${POST}" Location="https://sp.test/acs" index="0"/></md:SPSSODescriptor>`)
      + entity('https://educonnect.test/idp',
        idpDescriptor(`${keyDescriptor(encryption, 'encryption')}<md:SingleSignOnService Binding="${POST}" Location="https://old.test/sso"/>`,
          'urn:oasis:names:tc:SAML:1.1:protocol')
        + idpDescriptor(keyDescriptor(signing, 'signing') + keyDescriptor(encryption, 'encryption') + keyDescriptor(rollover)
          + `<md:SingleSignOnService Binding="${REDIRECT}" Location="https://educonnect.test/idp/profile/SAML2/Redirect/SSO"/>`))
      + entity('https://second.test/idp', idpDescriptor(
        `${keyDescriptor(rollover, 'signing')}<md:SingleSignOnService Binding="${POST}" Location="https://second.test/sso"/>`)));

    const metadata = parseIdpMetadata(xml);
    expect(metadata).toMatchObject({
      entityId: 'https://educonnect.test/idp',
      ssoUrl: 'https://educonnect.test/idp/profile/SAML2/Redirect/SSO',
      ssoBinding: 'redirect',
    });
    expect(metadata.certificates).toHaveLength(2);
    expect(sameCertificate(metadata.certificates[0], signing.certificatePem)).toBe(true);
    expect(sameCertificate(metadata.certificates[1], rollover.certificatePem)).toBe(true);
  });
});

describe('metadata the gateway cannot use', () => {
  it('names the IdP that has no SingleSignOnService of a supported binding', () => {
    const xml = entities(entity('https://idp.test/idp', idpDescriptor(keyDescriptor(signing, 'signing')
      + '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:SOAP" Location="https://idp.test/soap"/>')));
    expect(() => parseIdpMetadata(xml)).toThrow(
      'the IDPSSODescriptor of https://idp.test/idp has no SingleSignOnService with the HTTP-POST or HTTP-Redirect binding');
  });

  it('says so when there is no identity provider at all', () => {
    const xml = entities(entity('https://sp.test/sp', '<md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/>'));
    expect(() => parseIdpMetadata(xml)).toThrow('the IdP metadata has no EntityDescriptor with an IDPSSODescriptor supporting SAML 2.0');
  });

  it('names the IdP that has no signing certificate', () => {
    const xml = entities(entity('https://idp.test/idp', idpDescriptor(
      `${keyDescriptor(encryption, 'encryption')}<md:SingleSignOnService Binding="${POST}" Location="https://idp.test/sso"/>`)));
    expect(() => parseIdpMetadata(xml)).toThrow(/^the IDPSSODescriptor of https:\/\/idp\.test\/idp has no signing certificate/);
  });

  it('refuses a certificate that is not one', () => {
    const xml = entities(entity('https://idp.test/idp', idpDescriptor(
      '<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>bm90IGEgY2VydGlmaWNhdGU=</ds:X509Certificate>'
      + `</ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:SingleSignOnService Binding="${POST}" Location="https://idp.test/sso"/>`)));
    expect(() => parseIdpMetadata(xml)).toThrow('a signing ds:X509Certificate of https://idp.test/idp is not an X.509 certificate');
  });

  it('refuses an EntityDescriptor without entityID', () => {
    const xml = entities(`<md:EntityDescriptor>${idpDescriptor(
      `${keyDescriptor(signing)}<md:SingleSignOnService Binding="${POST}" Location="https://idp.test/sso"/>`)}</md:EntityDescriptor>`);
    expect(() => parseIdpMetadata(xml)).toThrow('the IdP metadata\'s EntityDescriptor has no entityID');
  });

  it('refuses a DOCTYPE rather than reading entities', () => {
    const xml = '<?xml version="1.0"?><!DOCTYPE md:EntityDescriptor [<!ENTITY sso SYSTEM "file:///etc/passwd">]>'
      + '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.test/idp"/>';
    expect(() => parseIdpMetadata(xml)).toThrow('the IdP metadata has a DOCTYPE, which is refused');
  });

  it('says where XML that is not well-formed breaks', () => {
    expect(() => parseIdpMetadata('<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">'))
      .toThrow(/^the IdP metadata is not well-formed XML: .*1:\d+/);
  });
});
