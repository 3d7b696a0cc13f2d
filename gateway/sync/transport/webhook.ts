// An HTTPS endpoint as a destination: one POST per file, the file's bytes as the body (application/octet-stream,
// never base64 in a JSON envelope: GAR packages are large), signed as webhook-signature.ts describes, retried
// with exponential backoff on network errors, timeouts, 429 and 5xx, and never on another 4xx. Plain http is
// accepted for loopback addresses only (a receiver on the same machine, and tests).
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { webhookUrlProblem, type WebhookOptions } from '../../config/endpoint-specs.js';
import type { SourceFile } from '../importer.js';
import { TransportError, type Destination, type PushOptions } from './transport.js';
import { DELIVERY_HEADER, FILE_NAME_HEADER, formatSignatureHeader, SIGNATURE_HEADER, startSignature } from './webhook-signature.js';

const MAX_DELAY_MS = 300_000;
function excerpt(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > 200 ? `${oneLine.slice(0, 200)}…` : oneLine;
}

function retryAfterMs(response: Response): number {
  const value = response.headers.get('retry-after');
  if (!value) return 0;
  const ms = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value) - Date.now();
  return Number.isFinite(ms) ? Math.max(0, ms) : 0;
}

interface RetryableFailure {
  code: 'timeout' | 'unreachable' | 'server-error';
  detail: string;
  cause?: unknown;
  /** What the server asked for with Retry-After. */
  waitMs: number;
}

const CERTIFICATE_ERROR = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/;

export function createWebhookDestination(options: WebhookOptions): Destination {
  const problem = webhookUrlProblem(options.url);
  if (problem) throw new TypeError(`webhook URL ${options.url}: expected ${problem}`);
  const url = new URL(options.url);
  // The query string may carry a token of the receiver's: kept out of logs and errors.
  const label = `webhook ${url.origin}${url.pathname}`;
  const attempts = options.attempts ?? 5;
  const timeoutMs = (options.timeoutSeconds ?? 60) * 1000;
  const firstDelayMs = (options.firstRetryDelaySeconds ?? 2) * 1000;

  /** One attempt: nothing when delivered, a failure worth retrying, or a thrown permanent TransportError. */
  async function attempt(file: SourceFile, deliveryId: string, signal: AbortSignal | undefined): Promise<RetryableFailure | undefined> {
    const timestamp = Math.floor(Date.now() / 1000);
    const encodedName = encodeURIComponent(file.name);
    const hmac = startSignature(options.secret, timestamp, deliveryId, encodedName);
    for await (const chunk of file.open()) hmac.update(chunk);
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/octet-stream',
          [DELIVERY_HEADER]: deliveryId,
          [FILE_NAME_HEADER]: encodedName,
          [SIGNATURE_HEADER]: formatSignatureHeader(timestamp, hmac.digest('hex')),
        },
        body: Readable.toWeb(Readable.from(file.open())) as ReadableStream,
        duplex: 'half',
        // A redirected POST would lose its body: the configured URL must be the final one.
        redirect: 'manual',
        signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs),
      } as RequestInit);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if ((error as Error).name === 'TimeoutError') {
        return { code: 'timeout', detail: `${file.name}: no answer within ${timeoutMs / 1000} s`, cause: error, waitMs: 0 };
      }
      const cause = (error as Error).cause as (Error & { code?: string }) | undefined;
      const reason = cause?.message ?? (error as Error).message;
      if (CERTIFICATE_ERROR.test(cause?.code ?? '')) {
        throw new TransportError('untrusted-certificate', label, `${file.name}: the server's certificate is not trusted (${reason})`, { cause: error });
      }
      return { code: 'unreachable', detail: `${file.name}: ${reason}`, cause: error, waitMs: 0 };
    }
    if (response.ok) {
      await response.body?.cancel();
      return undefined;
    }
    const text = await response.text().catch(() => '');
    const answer = `${file.name}: answered ${response.status}${text ? ` (${excerpt(text)})` : ''}`;
    if (response.status === 429 || response.status >= 500) {
      return { code: 'server-error', detail: answer, waitMs: retryAfterMs(response) };
    }
    if (response.status >= 300 && response.status < 400) {
      throw new TransportError('rejected', label, `${answer}, a redirect to ${response.headers.get('location') ?? '?'}: configure the final URL`);
    }
    if (response.status === 401 || response.status === 403) throw new TransportError('authentication-failed', label, `${answer}: check the shared secret`);
    if (response.status === 404 || response.status === 410) throw new TransportError('not-found', label, answer);
    throw new TransportError('rejected', label, answer);
  }

  return {
    label,
    async push(files, { signal }: PushOptions = {}) {
      for (const file of files) {
        signal?.throwIfAborted();
        const deliveryId = randomUUID();
        for (let n = 1; ; n += 1) {
          const failed = await attempt(file, deliveryId, signal);
          if (!failed) break;
          if (n >= attempts) {
            throw new TransportError(failed.code, label, `gave up after ${attempts} attempt${attempts === 1 ? '' : 's'}, the last: ${failed.detail}`, { cause: failed.cause });
          }
          const backoffMs = firstDelayMs * 2 ** (n - 1);
          await sleep(Math.min(MAX_DELAY_MS, Math.max(backoffMs, failed.waitMs)), undefined, { signal });
        }
      }
    },
  };
}
