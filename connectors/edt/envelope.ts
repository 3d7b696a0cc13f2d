// Index Éducation's encrypted partner envelope, EXPORT_INDEX_EDUCATION (ENTCORE EDTUtils.decryptExport): each
// CLES/PARTENAIRE holds, RSA-encrypted (PKCS#1 v1.5) for one partner, 48 bytes: an AES-128 key, its IV, and the
// MD5 of those 32 bytes; CONTENU is the export, zlib-compressed when @CompresseAvantChiffrement is true, then
// AES-128-CBC encrypted, in Base64; VERIFICATION is the SHA-256 of the decrypted (still compressed) bytes.
import { constants, createDecipheriv, createHash, privateDecrypt, timingSafeEqual } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import { FileProblem } from '../kit/problem.js';
import type { XmlElement } from '../kit/xml.js';

/** The largest export opened, decrypted or inflated: beyond it the envelope is refused (a ratio bomb, say). */
export const MAX_CONTENT_BYTES = 50 * 1024 * 1024;

export interface OpenedEnvelope {
  uai?: string;
  /** The partner export (ExportEmploiDuTemps), as bytes. */
  content: Buffer;
}

/**
 * PKCS#1 v1.5 (type 2) decryption done by hand: Node 20 refuses RSA_PKCS1_PADDING for private decryption
 * (CVE-2023-46809, a timing oracle for servers answering decryption requests; a file import answers none).
 */
function rsaDecrypt(privateKey: string, encrypted: Buffer): Buffer | undefined {
  let raw: Buffer;
  try {
    raw = privateDecrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, encrypted);
  } catch {
    return undefined;
  }
  if (raw[0] !== 0 || raw[1] !== 2) return undefined;
  const separator = raw.indexOf(0, 2);
  return separator >= 10 ? raw.subarray(separator + 1) : undefined;
}

/** The AES key and IV of the first partner key the private key opens and whose MD5 matches. */
function sessionKey(keys: Buffer[], privateKey: string): { key: Buffer; iv: Buffer } | undefined {
  for (const encrypted of keys) {
    const plain = rsaDecrypt(privateKey, encrypted);
    if (!plain || plain.length !== 48) continue;
    const digest = createHash('md5').update(plain.subarray(0, 32)).digest();
    if (timingSafeEqual(digest, plain.subarray(32, 48))) return { key: plain.subarray(0, 16), iv: plain.subarray(16, 32) };
  }
  return undefined;
}

const base64 = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'base64');

/**
 * The export an envelope holds, from the envelope's child elements. Throws FileProblem, naming the file, when
 * there is no key, the key opens none of the partner keys, the content does not decrypt, inflate or verify, or
 * it is larger than MAX_CONTENT_BYTES.
 */
export function openEnvelope(children: readonly XmlElement[], file: string, rootLine: number, privateKey: string | undefined): OpenedEnvelope {
  const child = (name: string) => children.find((element) => element.name === name);
  const refuse = (element: XmlElement | undefined, code: string, detail: string): never => {
    throw new FileProblem({ file, line: element?.line ?? rootLine, field: element?.name, code, severity: 'error', detail: `${file}: ${detail}` });
  };
  const contentElement = child('CONTENU');
  const keysElement = child('CLES');
  if (!contentElement || !keysElement) return refuse(contentElement ?? keysElement, 'missing-field', 'the EXPORT_INDEX_EDUCATION envelope has no CONTENU or no CLES; expected both');
  if (!privateKey) return refuse(keysElement, 'missing-key', 'the export is encrypted (EXPORT_INDEX_EDUCATION) and no partner private key was given to open it');

  const keys = keysElement.children.filter((element) => element.name === 'PARTENAIRE').map((element) => base64(element.text));
  const session = sessionKey(keys, privateKey);
  if (!session) {
    return refuse(keysElement, 'wrong-key', `the partner private key opens none of the ${keys.length} keys of CLES/PARTENAIRE (or their MD5 does not match): expected the key of a partner the export was made for`);
  }

  const encrypted = base64(contentElement.text);
  if (encrypted.length > MAX_CONTENT_BYTES + 16) return refuse(contentElement, 'too-large', `the encrypted content is larger than ${MAX_CONTENT_BYTES / 1024 / 1024} MB`);
  let decrypted: Buffer;
  try {
    const decipher = createDecipheriv('aes-128-cbc', session.key, session.iv);
    decrypted = Buffer.concat([decipher.update(encrypted), decipher.final()]);
  } catch {
    return refuse(contentElement, 'bad-content', 'CONTENU does not decrypt with the partner key (AES-128-CBC): the export is damaged');
  }

  const verification = child('VERIFICATION');
  if (verification?.text && !matchesDigest(decrypted, verification.text)) {
    return refuse(verification, 'bad-content', 'the SHA-256 of the decrypted content differs from VERIFICATION: the export is damaged');
  }

  let content = decrypted;
  if (/^(true|1|oui)$/i.test(contentElement.attributes.CompresseAvantChiffrement ?? '')) {
    try {
      content = inflateSync(decrypted, { maxOutputLength: MAX_CONTENT_BYTES });
    } catch (error) {
      const tooLarge = error instanceof RangeError || (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
      return tooLarge
        ? refuse(contentElement, 'too-large', `the content inflates to more than ${MAX_CONTENT_BYTES / 1024 / 1024} MB`)
        : refuse(contentElement, 'bad-content', 'CONTENU is declared compressed (CompresseAvantChiffrement) but does not inflate (zlib)');
    }
  }
  const bom = content[0] === 0xef && content[1] === 0xbb && content[2] === 0xbf;
  return { uai: child('UAI')?.text || undefined, content: bom ? content.subarray(3) : content };
}

/** VERIFICATION as hex (ENTCORE's Sha256.equality) or Base64 [UNVERIFIED: only hex is known from its code]. */
function matchesDigest(bytes: Buffer, expected: string): boolean {
  const digest = createHash('sha256').update(bytes).digest();
  const text = expected.trim();
  return digest.toString('hex') === text.toLowerCase() || digest.toString('base64') === text;
}
