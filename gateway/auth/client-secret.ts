// API client identifiers and secrets: how they are generated, and how a secret is stored (scrypt hash only)
// and checked. A secret is shown once, at creation or rotation; the store never holds it in clear.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

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

// N=2^14, r=8, p=1 (16 MiB, a few tens of ms). The secrets are 256 random bits, so the hash is not what
// stops guessing; it keeps a leaked table from being a list of usable credentials. The parameters are
// stored with each hash, so they can be raised later without invalidating existing secrets.
const DEFAULT_PARAMS = { N: 16384, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;

function scryptAsync(secret: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, KEY_LENGTH, { ...options, maxmem: 256 * options.N! * options.r! + 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/** `scrypt$N$r$p$salt$hash`, salt and hash in base64url. */
export async function hashClientSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const { N, r, p } = DEFAULT_PARAMS;
  const hash = await scryptAsync(secret, salt, { N, r, p });
  return ['scrypt', N, r, p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

/** True when `secret` matches the stored hash; never throws on a malformed hash (it just does not match). */
export async function verifyClientSecret(secret: string, stored: string | null | undefined): Promise<boolean> {
  if (typeof secret !== 'string' || !secret || !stored) return false;
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number);
  if (![N, r, p].every((n) => Number.isSafeInteger(n) && n > 0) || N > 2 ** 20 || r > 32 || p > 16) return false;
  const salt = Buffer.from(parts[4], 'base64url');
  const expected = Buffer.from(parts[5], 'base64url');
  if (expected.length !== KEY_LENGTH) return false;
  const actual = await scryptAsync(secret, salt, { N, r, p });
  // Constant-time, so the response time says nothing about how much of the hash matched.
  return timingSafeEqual(actual, expected);
}
