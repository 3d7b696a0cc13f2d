// Builds Index Éducation's encrypted envelope (EXPORT_INDEX_EDUCATION) around a clear partner export, as EDT
// does for a partner whose public key it holds: a random AES-128 key and IV with their MD5, RSA-encrypted
// (PKCS#1 v1.5) for the partner; the export zlib-compressed, AES-128-CBC encrypted, in Base64.
import { constants, createCipheriv, createHash, generateKeyPairSync, publicEncrypt, randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';

export interface PartnerKeys {
  publicKey: string;
  privateKey: string;
}

/** A partner's key pair (PEM: SPKI public, PKCS#8 private, as ENTCORE loads it). */
export function partnerKeys(): PartnerKeys {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}

export interface EnvelopeOptions {
  uai?: string;
  compress?: boolean;
  /** Replaces the MD5 that follows the key and IV (to make it wrong). */
  digest?: Buffer;
  /** Replaces the compressed content (to make a bomb). */
  compressed?: Buffer;
}

export function envelope(clearExport: Buffer, publicKey: string, options: EnvelopeOptions = {}): Buffer {
  const key = randomBytes(16);
  const iv = randomBytes(16);
  const digest = options.digest ?? createHash('md5').update(Buffer.concat([key, iv])).digest();
  const sessionKey = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, Buffer.concat([key, iv, digest]));
  const compress = options.compress ?? true;
  const plain = options.compressed ?? (compress ? deflateSync(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), clearExport])) : clearExport);
  const cipher = createCipheriv('aes-128-cbc', key, iv);
  const encrypted = Buffer.concat([cipher.update(plain), cipher.final()]);
  const base64Lines = encrypted.toString('base64').replace(/.{76}/g, '$&\n');
  return Buffer.from([
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<EXPORT_INDEX_EDUCATION>',
    '  <VERSION>1.0</VERSION>',
    '  <LOGICIEL>EDT</LOGICIEL>',
    '  <CLES>',
    `    <PARTENAIRE NOM="PASSERELLE">${sessionKey.toString('base64')}</PARTENAIRE>`,
    '  </CLES>',
    `  <CONTENU CompresseAvantChiffrement="${compress}">${base64Lines}</CONTENU>`,
    `  <VERIFICATION>${createHash('sha256').update(plain).digest('hex')}</VERIFICATION>`,
    '  <DATEHEURE>2026-09-01T07:00:00</DATEHEURE>',
    `  <UAI>${options.uai ?? '0693412J'}</UAI>`,
    '  <NOMETABLISSEMENT>Collège Jean Moulin</NOMETABLISSEMENT>',
    '  <CODEPOSTALVILLE>69003 LYON</CODEPOSTALVILLE>',
    '</EXPORT_INDEX_EDUCATION>',
  ].join('\n'));
}
