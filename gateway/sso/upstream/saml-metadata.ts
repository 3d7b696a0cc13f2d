// Reads what the gateway needs from a SAML 2.0 identity provider's metadata (OASIS SAML V2.0 Metadata): its
// entityID, its SingleSignOnService (HTTP-POST preferred, else HTTP-Redirect) and its signing certificates.
// saxes reads the XML strictly, never a DTD nor an external entity; a DOCTYPE is refused outright.
import { X509Certificate } from 'node:crypto';
import { SaxesParser } from 'saxes';

export interface IdpMetadata {
  readonly entityId: string;
  readonly ssoUrl: string;
  readonly ssoBinding: 'post' | 'redirect';
  /** PEM, `BEGIN CERTIFICATE` lines and 64-character lines. */
  readonly certificates: string[];
}

const METADATA_NS = 'urn:oasis:names:tc:SAML:2.0:metadata';
const DSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';
const SAML2_PROTOCOL = 'urn:oasis:names:tc:SAML:2.0:protocol';
const BINDINGS = {
  post: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
  redirect: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
} as const;

/** What the first SAML 2.0 IDPSSODescriptor holds, as read. */
interface IdpDescriptor {
  entityId: string | undefined;
  services: Map<string, string>;
  certificates: string[];
}

/** Throws an Error naming what is missing or malformed (the config loader adds the file). */
export function parseIdpMetadata(xml: string): IdpMetadata {
  const descriptor = readFirstIdpDescriptor(xml);
  if (!descriptor) {
    throw new Error('the IdP metadata has no EntityDescriptor with an IDPSSODescriptor supporting SAML 2.0');
  }
  const { entityId, services, certificates } = descriptor;
  if (!entityId) throw new Error('the IdP metadata\'s EntityDescriptor has no entityID');
  const ssoBinding = services.has(BINDINGS.post) ? 'post' : services.has(BINDINGS.redirect) ? 'redirect' : undefined;
  if (!ssoBinding) {
    throw new Error(`the IDPSSODescriptor of ${entityId} has no SingleSignOnService with the HTTP-POST or HTTP-Redirect binding`);
  }
  if (certificates.length === 0) {
    throw new Error(`the IDPSSODescriptor of ${entityId} has no signing certificate (KeyDescriptor use="signing" or without use, with a ds:X509Certificate)`);
  }
  return { entityId, ssoUrl: services.get(BINDINGS[ssoBinding])!, ssoBinding, certificates };
}

function readFirstIdpDescriptor(xml: string): IdpDescriptor | undefined {
  const parser = new SaxesParser({ xmlns: true });
  let entityId: string | undefined;
  let found: IdpDescriptor | undefined;
  let current: IdpDescriptor | undefined;
  let signingKey = false;
  let certificateText: string | undefined;

  parser.on('doctype', () => {
    throw new Error('the IdP metadata has a DOCTYPE, which is refused');
  });
  parser.on('opentag', (tag) => {
    if (found) return;
    const attribute = (name: string) => tag.attributes[name]?.value;
    if (tag.uri === METADATA_NS && tag.local === 'EntityDescriptor') entityId = attribute('entityID');
    else if (tag.uri === METADATA_NS && tag.local === 'IDPSSODescriptor' && !current
      && (attribute('protocolSupportEnumeration') ?? '').split(/\s+/).includes(SAML2_PROTOCOL)) {
      current = { entityId, services: new Map(), certificates: [] };
    } else if (current && tag.uri === METADATA_NS && tag.local === 'SingleSignOnService') {
      const binding = attribute('Binding');
      const location = attribute('Location');
      if (binding && location && !current.services.has(binding)) current.services.set(binding, location);
    } else if (current && tag.uri === METADATA_NS && tag.local === 'KeyDescriptor') {
      const use = attribute('use');
      signingKey = use === undefined || use === 'signing';
    } else if (current && signingKey && tag.uri === DSIG_NS && tag.local === 'X509Certificate') {
      certificateText = '';
    }
  });
  parser.on('text', (text) => {
    if (certificateText !== undefined) certificateText += text;
  });
  parser.on('closetag', (tag) => {
    if (!current || found) return;
    if (tag.uri === DSIG_NS && tag.local === 'X509Certificate' && certificateText !== undefined) {
      current.certificates.push(toPem(certificateText, current.entityId));
      certificateText = undefined;
    } else if (tag.uri === METADATA_NS && tag.local === 'KeyDescriptor') {
      signingKey = false;
    } else if (tag.uri === METADATA_NS && tag.local === 'IDPSSODescriptor') {
      found = current;
    }
  });

  try {
    parser.write(xml).close();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (message.startsWith('the IdP metadata')) throw error;
    throw new Error(`the IdP metadata is not well-formed XML: ${message}`, { cause: error });
  }
  return found;
}

/** A ds:X509Certificate's base64 as PEM, after checking it is an X.509 certificate. */
function toPem(base64Text: string, entityId: string | undefined): string {
  const base64 = base64Text.replace(/\s+/g, '');
  const pem = `-----BEGIN CERTIFICATE-----\n${base64.replace(/.{1,64}/g, '$&\n')}-----END CERTIFICATE-----\n`;
  try {
    new X509Certificate(pem);
  } catch (error) {
    throw new Error(`a signing ds:X509Certificate of ${entityId ?? 'the IdP'} is not an X.509 certificate`, { cause: error });
  }
  return pem;
}
