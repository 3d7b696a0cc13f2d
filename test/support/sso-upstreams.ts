// The two upstream stand-ins a gateway's single sign-on is configured for (an ÉduConnect-like SAML identity
// provider and an académie's OpenID Provider), each already knowing the gateway at `baseUrl` as its service
// provider or client, and the PASSERELLE_SSO_CONFIG file naming them: for a gateway in the test's process (parse
// `configFile` with `env`) or in a process of its own (`env` added to its environment).
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startOidcIdp, type OidcIdp, type OidcIdpUser } from './oidc-idp.js';
import { startSamlIdp, type SamlIdp, type SamlTestUser } from './saml-idp.js';
import { writeSsoConfigFile } from './sso-config-file.js';
import { makeTestCertificate } from './test-certificate.js';

export interface SsoUpstreams {
  readonly saml: SamlIdp;
  readonly oidc: OidcIdp;
  readonly configFile: string;
  /** PASSERELLE_SSO_CONFIG, and the secrets the file takes from the environment (ACADEMIE_SECRET). */
  readonly env: Readonly<Record<string, string>>;
  close(): Promise<void>;
}

export async function startSsoUpstreams(baseUrl: string, users: { saml: readonly SamlTestUser[]; oidc: readonly OidcIdpUser[] }): Promise<SsoUpstreams> {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-sso-'));
  const sp = await makeTestCertificate('passerelle.test');
  const [saml, oidc] = await Promise.all([startSamlIdp({ users: users.saml }), startOidcIdp({ users: users.oidc })]);
  const secret = randomUUID();
  saml.setServiceProvider({
    entityId: `${baseUrl}/sso/metadata/educonnect`, acsUrl: `${baseUrl}/sso/callback/educonnect`,
    certificate: sp.certificatePem, encryptionCertificate: sp.certificatePem,
  });
  await oidc.addClient({ client_id: 'passerelle', client_secret: secret, redirect_uris: [`${baseUrl}/sso/callback/academie`] });
  const configFile = writeSsoConfigFile(folder, { saml, oidc, sp });
  return {
    saml, oidc, configFile,
    env: { PASSERELLE_SSO_CONFIG: configFile, ACADEMIE_SECRET: secret },
    async close() {
      await Promise.all([saml.close(), oidc.close()]);
      fs.rmSync(folder, { recursive: true, force: true });
    },
  };
}
