// PASSERELLE_SSO_CONFIG: every mistake is named by file, line and key; secrets come from variables or files;
// ÉduConnect's preset applies to SAML providers unless the file says otherwise.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSsoConfig, parseSsoConfig, SsoConfigError } from '../../gateway/sso/config.js';
import { EDUCONNECT_LINK } from '../../gateway/sso/educonnect.js';
import { startSamlIdp, type SamlIdp } from '../support/saml-idp.js';
import { makeTestCertificate } from '../support/test-certificate.js';

const PUBLIC_URL = 'https://passerelle.example.fr';
let folder: string;
let idp: SamlIdp;

beforeAll(async () => {
  folder = fs.mkdtempSync(path.join(os.tmpdir(), 'sso-config-'));
  idp = await startSamlIdp({ users: [] });
  const sp = await makeTestCertificate('sp.test');
  fs.writeFileSync(path.join(folder, 'idp.xml'), idp.metadataXml);
  fs.writeFileSync(path.join(folder, 'sp.key'), sp.privateKeyPem);
  fs.writeFileSync(path.join(folder, 'sp.crt'), sp.certificatePem);
});

afterAll(async () => {
  await idp?.close();
  fs.rmSync(folder, { recursive: true, force: true });
});

const SAML = [
  '  - id: educonnect',
  '    kind: saml',
  '    name: ÉduConnect',
  '    metadata: { file: idp.xml }',
  '    serviceProvider: { privateKey: { file: sp.key }, certificate: { file: sp.crt } }',
];
const OIDC = [
  '  - id: academie',
  '    kind: oidc',
  '    name: Académie',
  '    issuer: https://sso.ac-lyon.fr/',
  '    clientId: passerelle',
  '    clientSecret: { env: SECRET }',
];
const parse = (lines: string[], env: Record<string, string> = { SECRET: 's3cret\n' }) =>
  parseSsoConfig(['version: 1', 'providers:', ...lines, ''].join('\n'), path.join(folder, 'sso.yaml'), PUBLIC_URL, env);
async function failure(lines: string[], env?: Record<string, string>): Promise<string> {
  const error = await parse(lines, env).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(SsoConfigError);
  return (error as Error).message;
}

describe('the SSO configuration', () => {
  it('reads a SAML provider from its metadata with ÉduConnect\'s preset, and an OIDC one with its secret', async () => {
    const config = await parse([...SAML, ...OIDC, '    link: [{ claim: FrEduCtRefId, source: aaf }, { claim: ine, ineHash: md5 }]']);
    const [saml, oidc] = config.providers;
    expect(saml).toMatchObject({
      kind: 'saml', idp: { entityId: idp.entityId, ssoUrl: idp.ssoUrl, ssoBinding: 'post' },
      sp: { entityId: `${PUBLIC_URL}/sso/metadata/educonnect` }, requireEncryptedAssertions: true, link: EDUCONNECT_LINK,
    });
    expect(oidc).toMatchObject({
      kind: 'oidc', issuer: 'https://sso.ac-lyon.fr', clientSecret: 's3cret', scopes: ['openid', 'profile'], userinfo: true,
      mapping: { givenName: ['given_name'], familyName: ['family_name'] },
      link: [{ claim: 'FrEduCtRefId', kind: 'source-id', source: 'aaf', format: 'aaf-ref' }, { claim: 'ine', kind: 'ine-hash', algorithm: 'md5' }],
    });
  });

  it('names the file, line and key of each mistake', async () => {
    expect(await failure([...OIDC.slice(0, 3), '    issuer: http://sso.ac-lyon.fr', ...OIDC.slice(4)])).toMatch(/sso\.yaml:6: providers\[0\]\.issuer: expected an https URL/);
    expect(await failure(OIDC, {})).toMatch(/providers\[0\]\.clientSecret: expected the environment variable SECRET/);
    expect(await failure([...OIDC, ...OIDC])).toMatch(/providers\[1\]\.id: expected an id used once/);
    expect(await failure([...OIDC, '    colour: blue'])).toMatch(/unknown key colour/);
    expect(await failure([...SAML.slice(0, 3), '    metadata: { file: missing.xml }', SAML[4]])).toMatch(/sso\.yaml:6: providers\[0\]\.metadata\.file: expected a readable file/);
    expect(await failure([...OIDC, '    link: [{ claim: FrEduCtRefId }]'])).toMatch(/providers\[0\]\.link\[0\]: expected a key source/);
    expect(await failure(['  - { id: x, kind: cas, name: X }'])).toMatch(/expected kind oidc or saml/);
  });

  it('refuses metadata that is not an identity provider\'s, and a key that is not PEM', async () => {
    fs.writeFileSync(path.join(folder, 'bad.xml'), '<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"/>');
    expect(await failure([...SAML.slice(0, 3), '    metadata: { file: bad.xml }', SAML[4]])).toMatch(/providers\[0\]\.metadata: expected the metadata of a SAML identity provider/);
    expect(await failure([...SAML.slice(0, 4), '    serviceProvider: { privateKey: { file: idp.xml }, certificate: { file: sp.crt } }'])).toMatch(/privateKey: expected a PEM private key/);
  });

  it('reads metadata from a URL, and stops reading one that sends more than 5 MB', async () => {
    let sent = 0;
    const server = http.createServer((req, res) => {
      if (req.url === '/metadata') {
        res.end(idp.metadataXml);
        return;
      }
      // An endless answer: the loader must stop reading it, not wait for its end.
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const write = () => {
        while (sent < 50 * 1024 * 1024 && res.write(chunk)) sent += chunk.length;
        if (sent < 50 * 1024 * 1024) res.once('drain', write);
        else res.end();
      };
      write();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const saml = (url: string) => [...SAML.slice(0, 3), `    metadata: { url: ${url} }`, SAML[4]];
      expect((await parse(saml(`${base}/metadata`))).providers[0]).toMatchObject({ idp: { entityId: idp.entityId } });
      expect(await failure(saml(`${base}/endless`))).toMatch(/providers\[0\]\.metadata\.url: expected metadata of at most 5242880 bytes/);
      expect(sent).toBeLessThan(50 * 1024 * 1024);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('is absent when PASSERELLE_SSO_CONFIG names no file, and a missing file stops the start', async () => {
    expect(await loadSsoConfig(PUBLIC_URL, {})).toBeUndefined();
    await expect(loadSsoConfig(PUBLIC_URL, { PASSERELLE_SSO_CONFIG: path.join(folder, 'nope.yaml') })).rejects.toThrow(/PASSERELLE_SSO_CONFIG names .*nope\.yaml, which cannot be read/);
  });

  it('reads the example shipped in deploy/ (its secrets and files aside)', async () => {
    const text = fs.readFileSync('deploy/sso-config.example.yaml', 'utf8');
    const error = await parseSsoConfig(text, 'deploy/sso-config.example.yaml', PUBLIC_URL, {}).then(() => undefined, (e: unknown) => e as Error);
    // It is valid up to what this machine cannot give it: ÉduConnect's metadata (offline) or the keys' files.
    expect(error?.message).toMatch(/sso-config\.example\.yaml:\d+: providers\[0\]\.(metadata\.url: expected the metadata at https:\/\/educonnect|serviceProvider\.privateKey: expected a readable file)/);
  });
});
