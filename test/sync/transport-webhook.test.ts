// The webhook transport against a real node:http receiver that checks every delivery with verifySignature:
// signed deliveries in order, retries on 503 with the same delivery id, no retry on 400, timeouts.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { SourceFile } from '../../gateway/sync/importer.js';
import { TransportError } from '../../gateway/sync/transport/transport.js';
import { webhookUrlProblem } from '../../gateway/config/endpoint-specs.js';
import { createWebhookDestination } from '../../gateway/sync/transport/webhook.js';
import { formatSignatureHeader, startSignature, verifySignature, type SignatureCheck } from '../../gateway/sync/transport/webhook-signature.js';

const SECRET = 'a shared secret of the receiver';

interface Received {
  check: SignatureCheck;
  body: string;
  contentType: string | undefined;
}

interface Receiver {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

let receiver: Receiver | undefined;
afterEach(async () => { await receiver?.close(); receiver = undefined; });

/** Answers each request with the next scripted status (the last one repeats); `hang` never answers. */
async function startReceiver(script: Array<number | 'hang'>, body = ''): Promise<Receiver> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      received.push({ check: verifySignature({ headers: req.headers, body: raw }, SECRET), body: raw.toString('utf8'), contentType: req.headers['content-type'] });
      const next = script[Math.min(received.length, script.length) - 1];
      if (next === 'hang') return;
      res.writeHead(next, { 'content-type': 'text/plain' }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/passerelle/deliveries?token=kept-out-of-errors`,
    received,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

const memoryFile = (name: string, content: string): SourceFile => ({ name, async *open() { yield Buffer.from(content); } });
const fast = { secret: SECRET, firstRetryDelaySeconds: 0.01, timeoutSeconds: 5 };

describe('webhook destination', () => {
  it('posts each file as its raw bytes, in order, with a signature the receiver verifies', async () => {
    receiver = await startReceiver([200]);
    await createWebhookDestination({ ...fast, url: receiver.url }).push([
      memoryFile('Élèves 2026.tar.gz', 'archive bytes'),
      memoryFile('Élèves 2026.tar.gz.md5', 'checksum'),
    ]);
    expect(receiver.received.map((r) => r.body)).toEqual(['archive bytes', 'checksum']);
    expect(receiver.received.map((r) => r.contentType)).toEqual(['application/octet-stream', 'application/octet-stream']);
    const checks = receiver.received.map((r) => r.check);
    expect(checks).toMatchObject([
      { valid: true, fileName: 'Élèves 2026.tar.gz' },
      { valid: true, fileName: 'Élèves 2026.tar.gz.md5' },
    ]);
    if (checks[0].valid && checks[1].valid) expect(checks[0].deliveryId).not.toBe(checks[1].deliveryId);
  });

  it('retries after a 503 and a 429 with the same delivery id, freshly signed, and succeeds', async () => {
    receiver = await startReceiver([503, 429, 200]);
    await createWebhookDestination({ ...fast, url: receiver.url }).push([memoryFile('gar.tar.gz', 'bytes')]);
    expect(receiver.received).toHaveLength(3);
    const checks = receiver.received.map((r) => r.check);
    expect(checks.every((check) => check.valid)).toBe(true);
    expect(new Set(checks.map((check) => check.valid && check.deliveryId)).size).toBe(1);
  });

  it('gives up at once on a 400, with a permanent error naming the endpoint, the file and the answer', async () => {
    receiver = await startReceiver([400], 'unknown establishment');
    const destination = createWebhookDestination({ ...fast, url: receiver.url });
    const error = await destination.push([memoryFile('gar.tar.gz', 'bytes'), memoryFile('gar.tar.gz.md5', 'sum')]).catch((e) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect(error).toMatchObject({ code: 'rejected', transient: false, endpoint: destination.label });
    expect(error.message).toBe(`${destination.label}: gar.tar.gz: answered 400 (unknown establishment)`);
    expect(destination.label).not.toContain('token');
    expect(receiver.received).toHaveLength(1);
  });

  it('takes a 401 as a wrong secret', async () => {
    receiver = await startReceiver([401]);
    const error = await createWebhookDestination({ ...fast, url: receiver.url }).push([memoryFile('a', 'b')]).catch((e) => e);
    expect(error).toMatchObject({ code: 'authentication-failed', transient: false });
  });

  it('stops after the configured attempts with a transient error, so that the job may try again later', async () => {
    receiver = await startReceiver([503], 'maintenance');
    const error = await createWebhookDestination({ ...fast, url: receiver.url, attempts: 3 }).push([memoryFile('a', 'b')]).catch((e) => e);
    expect(error).toMatchObject({ code: 'server-error', transient: true });
    expect(error.message).toContain('gave up after 3 attempts, the last: a: answered 503 (maintenance)');
    expect(receiver.received).toHaveLength(3);
  });

  it('retries a receiver that does not answer in time, then reports a timeout', async () => {
    receiver = await startReceiver(['hang']);
    const error = await createWebhookDestination({ ...fast, url: receiver.url, timeoutSeconds: 0.3, attempts: 2 }).push([memoryFile('a', 'b')]).catch((e) => e);
    expect(error).toMatchObject({ code: 'timeout', transient: true });
    expect(receiver.received).toHaveLength(2);
  });

  it('reports a receiver nobody listens on as unreachable', async () => {
    receiver = await startReceiver([200]);
    const url = receiver.url;
    await receiver.close();
    receiver = undefined;
    const error = await createWebhookDestination({ ...fast, url, attempts: 2 }).push([memoryFile('a', 'b')]).catch((e) => e);
    expect(error).toMatchObject({ code: 'unreachable', transient: true });
  });

  it('accepts https anywhere and plain http on loopback only', () => {
    expect(webhookUrlProblem('https://ent.example.fr/hooks/gar')).toBeUndefined();
    expect(webhookUrlProblem('http://127.0.0.1:8080/hook')).toBeUndefined();
    expect(webhookUrlProblem('http://localhost/hook')).toBeUndefined();
    expect(webhookUrlProblem('http://[::1]/hook')).toBeUndefined();
    expect(webhookUrlProblem('http://ent.example.fr/hook')).toMatch(/https/);
    expect(webhookUrlProblem('https://user:pw@ent.example.fr/hook')).toMatch(/without credentials/);
    expect(() => createWebhookDestination({ url: 'http://ent.example.fr/hook', secret: SECRET })).toThrow(TypeError);
  });
});

describe('verifySignature', () => {
  const now = new Date('2026-11-23T20:00:00Z');
  const t = Math.floor(now.getTime() / 1000);
  const signed = (secret: string, timestamp: number, body: string) => ({
    'passerelle-delivery': 'd1',
    'passerelle-file-name': 'gar.tar.gz',
    'passerelle-signature': formatSignatureHeader(timestamp, startSignature(secret, timestamp, 'd1', 'gar.tar.gz').update(body).digest('hex')),
  });

  it('accepts a delivery signed with any of the current secrets', () => {
    expect(verifySignature({ headers: signed('old', t, 'x'), body: 'x' }, ['new', 'old'], { now })).toEqual({
      valid: true, deliveryId: 'd1', fileName: 'gar.tar.gz', timestamp: t,
    });
    expect(verifySignature({ headers: new Headers(signed('new', t, 'x')), body: Buffer.from('x') }, 'new', { now }).valid).toBe(true);
  });

  it('refuses a changed body, a changed name, another secret, an old signature and a missing one', () => {
    expect(verifySignature({ headers: signed(SECRET, t, 'x'), body: 'y' }, SECRET, { now })).toEqual({ valid: false, reason: 'mismatch' });
    expect(verifySignature({ headers: { ...signed(SECRET, t, 'x'), 'passerelle-file-name': 'other.tar.gz' }, body: 'x' }, SECRET, { now }))
      .toEqual({ valid: false, reason: 'mismatch' });
    expect(verifySignature({ headers: signed('other', t, 'x'), body: 'x' }, SECRET, { now })).toEqual({ valid: false, reason: 'mismatch' });
    expect(verifySignature({ headers: signed(SECRET, t - 301, 'x'), body: 'x' }, SECRET, { now })).toEqual({ valid: false, reason: 'expired' });
    expect(verifySignature({ headers: { ...signed(SECRET, t, 'x'), 'passerelle-signature': 't=1,v1=zz' }, body: 'x' }, SECRET, { now }))
      .toEqual({ valid: false, reason: 'malformed' });
    expect(verifySignature({ headers: {}, body: 'x' }, SECRET, { now })).toEqual({ valid: false, reason: 'missing' });
  });
});
