// The signature on every webhook delivery, and the check receivers run (this module does no I/O: a receiver
// may copy it or import it). Scheme, version v1:
//   Passerelle-Delivery:  a UUID, the same for every attempt at one file (receivers deduplicate on it)
//   Passerelle-File-Name: the file's name, percent-encoded (encodeURIComponent)
//   Passerelle-Signature: t=<unix seconds>,v1=<hex>
// where hex = HMAC-SHA256(secret, "<t>.<delivery>.<encoded file name>." followed by the body's bytes). Signing
// the time lets a receiver refuse replays older than its tolerance; signing the delivery id and the name stops
// a captured body from being replayed under another name or id. Several v1 values may appear while a secret is
// rotated; one match is enough.
import { createHmac, timingSafeEqual, type Hmac } from 'node:crypto';

export const SIGNATURE_HEADER = 'passerelle-signature';
export const DELIVERY_HEADER = 'passerelle-delivery';
export const FILE_NAME_HEADER = 'passerelle-file-name';

/** The HMAC of one attempt, before the body is fed to it with `update`. */
export function startSignature(secret: string, timestamp: number, deliveryId: string, encodedFileName: string): Hmac {
  return createHmac('sha256', secret).update(`${timestamp}.${deliveryId}.${encodedFileName}.`);
}

export function formatSignatureHeader(timestamp: number, hexSignature: string): string {
  return `t=${timestamp},v1=${hexSignature}`;
}

export interface SignedRequest {
  /** node:http's `req.headers` (lower-case names) or a fetch `Headers`. */
  headers: Headers | Record<string, string | string[] | undefined>;
  /** The raw body, exactly as received. */
  body: Buffer | Uint8Array | string;
}

export type SignatureCheck =
  | { valid: true; deliveryId: string; fileName: string; timestamp: number }
  | { valid: false; reason: 'missing' | 'malformed' | 'expired' | 'mismatch' };

function header(headers: SignedRequest['headers'], name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Checks a delivery's signature against the secret (or any of the secrets, while one is rotated) and its age
 * against the tolerance (300 s by default, either way, for clocks apart). Never throws.
 */
export function verifySignature(
  request: SignedRequest,
  secrets: string | readonly string[],
  options: { toleranceSeconds?: number; now?: Date } = {},
): SignatureCheck {
  const signature = header(request.headers, SIGNATURE_HEADER);
  const deliveryId = header(request.headers, DELIVERY_HEADER);
  const encodedName = header(request.headers, FILE_NAME_HEADER);
  if (!signature || !deliveryId || encodedName === undefined) return { valid: false, reason: 'missing' };

  const parts = signature.split(',').map((part) => part.trim().split('='));
  const timestamps = parts.filter(([key]) => key === 't').map(([, value]) => value);
  const candidates = parts.filter(([key, value]) => key === 'v1' && /^[0-9a-f]{64}$/.test(value ?? '')).map(([, value]) => Buffer.from(value, 'hex'));
  let fileName: string;
  try {
    fileName = decodeURIComponent(encodedName);
  } catch {
    return { valid: false, reason: 'malformed' };
  }
  if (timestamps.length !== 1 || !/^\d{1,12}$/.test(timestamps[0] ?? '') || candidates.length === 0) {
    return { valid: false, reason: 'malformed' };
  }
  const timestamp = Number(timestamps[0]);
  const now = (options.now ?? new Date()).getTime() / 1000;
  if (Math.abs(now - timestamp) > (options.toleranceSeconds ?? 300)) return { valid: false, reason: 'expired' };

  const body = typeof request.body === 'string' ? Buffer.from(request.body, 'utf8') : request.body;
  for (const secret of typeof secrets === 'string' ? [secrets] : secrets) {
    const expected = startSignature(secret, timestamp, deliveryId, encodedName).update(body).digest();
    // Timing-safe, so that response times do not reveal how much of a forged signature was right.
    if (candidates.some((candidate) => timingSafeEqual(candidate, expected))) {
      return { valid: true, deliveryId, fileName, timestamp };
    }
  }
  return { valid: false, reason: 'mismatch' };
}
