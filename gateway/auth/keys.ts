// The authorization server's keys, kept in table `signing_key` so that every replica signs and verifies with
// the same ones and a restart keeps issued tokens valid.
//
// Two kinds of rows share the table, told apart by `alg`:
// - `ES256`: a token-signing key pair; `private_jwk` is the private JWK, `kid` its RFC 7638 thumbprint. The
//   newest non-retired key is the current one (it signs); every non-retired key is published in the JWKS, so a
//   token signed before a rotation still verifies until its key is retired.
// - `HS256-cookie`: a secret for oidc-provider's signed cookies (`cookies.keys`, a keygrip); `private_jwk` is
//   `{kty:'oct', k}`. The newest signs, older ones still verify.
// - `HS256-cursor`: the secret that signs the API's paging and change-feed cursors (gateway/http/paging.ts),
//   `{kty:'oct', k}`. One, made once and never rotated: consumers keep their last cursor for months.
import { randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JSONWebKeySet, type JWK } from 'jose';
import type { Kysely, Transaction } from 'kysely';
import {
  activeKeyRows, firstKeyRow, insertKeyRow, keyHistory, retireKeyRow, withKeysLocked,
} from '../store/signing-keys.js';
import type { Database } from '../store/tables.js';

export const SIGNING_ALG = 'ES256';
export const COOKIE_KEY_ALG = 'HS256-cookie';
export const CURSOR_KEY_ALG = 'HS256-cursor';
export const PAIRWISE_KEY_ALG = 'HS256-pairwise';

export interface KeyMaterial {
  /** Private signing JWKs (with `kid`, `alg`, `use`), the current key first. */
  readonly signingKeys: readonly JWK[];
  /** Cookie secrets, the current one first. */
  readonly cookieKeys: readonly string[];
}

export class KeyError extends Error {}

/**
 * The keys in use, generating the first signing key and cookie key if there are none. Safe to call from
 * several processes at once: generation happens under a transaction-scoped advisory lock.
 */
export async function loadKeys(db: Kysely<Database>): Promise<KeyMaterial> {
  let keys = await readKeys(db);
  if (keys.signingKeys.length && keys.cookieKeys.length) return keys;
  await withKeysLocked(db, async (trx) => {
    const current = await readKeys(trx);
    if (!current.signingKeys.length) await insertSigningKey(trx);
    if (!current.cookieKeys.length) await insertCookieKey(trx);
  });
  keys = await readKeys(db);
  return keys;
}

/**
 * Adds a new signing key, which becomes the current one as soon as each server reloads its keys; the previous
 * keys stay published (and keep verifying) until `retireSigningKey`. Returns the new key's kid.
 */
export async function rotateSigningKey(db: Kysely<Database>): Promise<string> {
  return withKeysLocked(db, insertSigningKey);
}

/**
 * Stops publishing a signing key: tokens it signed are refused from then on. Retire a key only once the
 * access-token lifetime has passed since the rotation that replaced it.
 */
export async function retireSigningKey(db: Kysely<Database>, kid: string): Promise<void> {
  await withKeysLocked(db, async (trx) => {
    const active = await activeKeyRows(trx, [SIGNING_ALG]);
    if (!active.some((k) => k.kid === kid)) throw new KeyError(`no active signing key with kid ${kid}`);
    if (active.length === 1) throw new KeyError(`signing key ${kid} is the only active one; rotate first`);
    await retireKeyRow(trx, kid);
  });
}

export interface SigningKeyInfo {
  kid: string;
  createdAt: Date;
  retiredAt: Date | null;
  current: boolean;
}

/** Every signing key, newest first: the current one, those still published, and the retired. */
export async function listSigningKeys(db: Kysely<Database>): Promise<SigningKeyInfo[]> {
  const rows = await keyHistory(db, SIGNING_ALG);
  const current = rows.find((r) => r.retired_at === null)?.kid;
  return rows.map((r) => ({ kid: r.kid, createdAt: r.created_at, retiredAt: r.retired_at, current: r.kid === current }));
}

/** Adds a new cookie secret; older ones keep verifying existing cookies. */
export async function rotateCookieKey(db: Kysely<Database>): Promise<void> {
  await withKeysLocked(db, insertCookieKey);
}

/** The cursor key, made on first use; safe to call from several processes at once (they all get the same). */
export function loadCursorKey(db: Kysely<Database>): Promise<Buffer> {
  return loadSecretKey(db, CURSOR_KEY_ALG, 'cursor');
}

/** The key of the pairwise subject identifiers SSO gives relying parties; made on first use, never rotated (subjects would change). */
export function loadPairwiseKey(db: Kysely<Database>): Promise<Buffer> {
  return loadSecretKey(db, PAIRWISE_KEY_ALG, 'pairwise');
}

async function loadSecretKey(db: Kysely<Database>, alg: string, prefix: string): Promise<Buffer> {
  let row = await firstKeyRow(db, alg);
  row ??= await withKeysLocked(db, async (trx) => {
    const current = await firstKeyRow(trx, alg);
    if (current) return current;
    const k = randomBytes(32).toString('base64url');
    await insertKeyRow(trx, { kid: `${prefix}-${randomBytes(8).toString('hex')}`, alg, privateJwk: { kty: 'oct', k } });
    return firstKeyRow(trx, alg);
  });
  return Buffer.from((row!.private_jwk as { k: string }).k, 'base64url');
}

/** The public half of the signing keys, as published at the JWKS endpoint. */
export function publicJwks(keys: KeyMaterial): JSONWebKeySet {
  return {
    keys: keys.signingKeys.map(({ kty, crv, x, y, kid, alg, use }) => ({ kty, crv, x, y, kid, alg, use })),
  };
}

/** A string that changes whenever the key set does, to know when a server must reload. */
export function keysFingerprint(keys: KeyMaterial): string {
  return JSON.stringify([keys.signingKeys.map((k) => k.kid), keys.cookieKeys.length, keys.cookieKeys[0]]);
}

async function readKeys(db: Kysely<Database> | Transaction<Database>): Promise<KeyMaterial> {
  const rows = await activeKeyRows(db, [SIGNING_ALG, COOKIE_KEY_ALG]);
  return {
    signingKeys: rows
      .filter((r) => r.alg === SIGNING_ALG)
      .map((r) => ({ ...(r.private_jwk as JWK), kid: r.kid, alg: SIGNING_ALG, use: 'sig' })),
    cookieKeys: rows.filter((r) => r.alg === COOKIE_KEY_ALG).map((r) => (r.private_jwk as { k: string }).k),
  };
}

async function insertSigningKey(trx: Transaction<Database>): Promise<string> {
  const { privateKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk);
  await insertKeyRow(trx, { kid, alg: SIGNING_ALG, privateJwk: { ...jwk, kid, alg: SIGNING_ALG, use: 'sig' } });
  return kid;
}

async function insertCookieKey(trx: Transaction<Database>): Promise<void> {
  const k = randomBytes(32).toString('base64url');
  await insertKeyRow(trx, { kid: `cookie-${randomBytes(8).toString('hex')}`, alg: COOKIE_KEY_ALG, privateJwk: { kty: 'oct', k } });
}
