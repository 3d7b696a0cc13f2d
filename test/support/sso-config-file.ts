// The PASSERELLE_SSO_CONFIG file of a test or bench world: the SAML stand-in as ÉduConnect (its metadata and the
// gateway's service-provider key written beside the file), the OIDC stand-in as an académie's provider (its
// secret in ACADEMIE_SECRET), both linked to the roster by FrEduCtRefId.
import fs from 'node:fs';
import path from 'node:path';
import type { OidcIdp } from './oidc-idp.js';
import type { SamlIdp } from './saml-idp.js';
import type { TestCertificate } from './test-certificate.js';

export function writeSsoConfigFile(folder: string, parts: { saml: SamlIdp; oidc: OidcIdp; sp: TestCertificate }): string {
  fs.writeFileSync(path.join(folder, 'idp.xml'), parts.saml.metadataXml);
  fs.writeFileSync(path.join(folder, 'sp.key'), parts.sp.privateKeyPem);
  fs.writeFileSync(path.join(folder, 'sp.crt'), parts.sp.certificatePem);
  const file = path.join(folder, 'sso.yaml');
  fs.writeFileSync(file, [
    'version: 1',
    'providers:',
    '  - id: educonnect',
    '    kind: saml',
    '    name: ÉduConnect',
    '    metadata: { file: idp.xml }',
    '    serviceProvider: { privateKey: { file: sp.key }, certificate: { file: sp.crt } }',
    '  - id: academie',
    '    kind: oidc',
    '    name: Académie de Lyon — personnels',
    `    issuer: ${parts.oidc.issuer}`,
    '    clientId: passerelle',
    '    clientSecret: { env: ACADEMIE_SECRET }',
    '    attributes:',
    '      role: { attribute: [FrEduCtPersonAffiliation], values: { eleve: pupil } }',
    '    link:',
    '      - { claim: FrEduCtRefId, source: aaf }',
    '',
  ].join('\n'));
  return file;
}
