// An RSA key pair and a self-signed X.509 certificate for tests that sign or encrypt (SAML service and identity
// providers): node:crypto makes the key, the machine's `openssl` binary self-signs the certificate.
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestCertificate {
  /** PKCS#8 PEM (`BEGIN PRIVATE KEY`). */
  readonly privateKeyPem: string;
  /** X.509 PEM (`BEGIN CERTIFICATE`), valid from now for ten years. */
  readonly certificatePem: string;
}

export async function makeTestCertificate(commonName: string): Promise<TestCertificate> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  // openssl reads the key from a file: a pipe on stdin is not a file it can open.
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'passerelle-cert-'));
  try {
    const keyFile = path.join(dir, 'key.pem');
    await fs.writeFile(keyFile, privateKeyPem, { mode: 0o600 });
    const { stdout } = await run('openssl',
      ['req', '-x509', '-new', '-sha256', '-days', '3650', '-key', keyFile, '-subj', `/CN=${commonName}`]);
    if (!stdout.includes('-----BEGIN CERTIFICATE-----')) throw new Error(`openssl printed no certificate: ${stdout}`);
    return { privateKeyPem, certificatePem: stdout };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
