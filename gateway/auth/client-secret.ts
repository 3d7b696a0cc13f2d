// API client identifiers and secrets: how they are generated, and how a secret is stored (a salted hash only)
// and checked. A secret is shown once, at creation or rotation; the store never holds it in clear.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** `pas_` then 16 base32 characters (80 random bits): readable in logs, unguessable. */
export function generateClientId(): string {
  const bytes = randomBytes(10);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return `pas_${out}`;
}

/** 32 random bytes, base64url (43 characters): safe in an HTTP Basic header without escaping. */
export function generateClientSecret(): string {
  return randomBytes(32).toString('base64url');
}

// Secrets are 256 random bits, so no guessing attack gets anywhere near them: a slow password hash (scrypt,
// argon2) would only make every token request cost tens of milliseconds of CPU. As for API keys elsewhere, the
// store keeps a salted SHA-256 (HMAC keyed by a per-secret salt), so a leaked table is not a list of usable
// credentials, and checking a secret costs microseconds.
const ALGORITHM = 'hmac-sha256';
const HASH_LENGTH = 32;

function digest(secret: string, salt: Buffer): Buffer {
  return createHmac('sha256', salt).update(secret, 'utf8').digest();
}

/** `hmac-sha256$salt$hash`, salt and hash in base64url. */
export async function hashClientSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  return [ALGORITHM, salt.toString('base64url'), digest(secret, salt).toString('base64url')].join('$');
}

/** True when `secret` matches the stored hash; never throws on a malformed hash (it just does not match). */
export async function verifyClientSecret(secret: string, stored: string | null | undefined): Promise<boolean> {
  if (typeof secret !== 'string' || !secret || !stored) return false;
  const parts = stored.split('$');
  if (parts.length !== 3 || parts[0] !== ALGORITHM) return false;
  const salt = Buffer.from(parts[1], 'base64url');
  const expected = Buffer.from(parts[2], 'base64url');
  if (salt.length < 16 || expected.length !== HASH_LENGTH) return false;
  // Constant-time, so the response time says nothing about how much of the hash matched.
  return timingSafeEqual(digest(secret, salt), expected);
}
