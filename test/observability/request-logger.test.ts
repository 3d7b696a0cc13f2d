// The request log without pino-http: one line per request when it ends, with its id, method, URL (credentials cut
// out) and status; a route's own log lines (req.log) carry the request too.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problemHandler } from '../../gateway/http/problem.js';
import { createLogger, requestLogger } from '../../gateway/observability/logger.js';

interface Line { level: number; msg: string; req?: { id: string; method: string; url: string }; res?: { statusCode: number }; responseTime?: number; err?: { message: string } }

const lines: Line[] = [];
const sink = new Writable({
  write(chunk, _encoding, done) {
    for (const text of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(text) as Line);
    done();
  },
});

let server: http.Server;
let base: string;
beforeAll(async () => {
  const app = express();
  app.use(requestLogger(createLogger('info', sink)));
  app.get('/ok', (_req, res) => void res.json({ ok: true }));
  app.get('/boom', () => {
    throw new Error('kaboom');
  });
  app.use(problemHandler('http://localhost'));
  server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

describe('the request log', () => {
  it('writes one line per request with its id, method, URL and status, and echoes the id', async () => {
    const response = await fetch(`${base}/ok?limit=5`, { headers: { 'x-request-id': 'trace-7' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('trace-7');
    await settle();
    const mine = lines.filter((l) => l.req?.id === 'trace-7');
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ level: 30, msg: 'request completed', req: { method: 'GET', url: '/ok?limit=5' }, res: { statusCode: 200 } });
    expect(typeof mine[0].responseTime).toBe('number');
  });

  it('makes up an id when the one given is not sane', async () => {
    const response = await fetch(`${base}/ok`, { headers: { 'x-request-id': 'no spaces allowed' } });
    const id = response.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    await settle();
    expect(lines.filter((l) => l.req?.id === id)).toHaveLength(1);
  });

  it('cuts a credential out of the logged URL', async () => {
    await fetch(`${base}/ok?access%5Ftoken=secret-value&limit=1`, { headers: { 'x-request-id': 'trace-8' } });
    await settle();
    const line = lines.find((l) => l.req?.id === 'trace-8');
    expect(line?.req?.url).toBe('/ok?access%5Ftoken=[redacted]&limit=1');
    expect(JSON.stringify(lines)).not.toContain('secret-value');
  });

  it('logs an unexpected error through req.log with the request, then the 500 as an error line', async () => {
    const response = await fetch(`${base}/boom`, { headers: { 'x-request-id': 'trace-9' } });
    expect(response.status).toBe(500);
    await settle();
    const mine = lines.filter((l) => l.req?.id === 'trace-9');
    expect(mine.map((l) => [l.level, l.msg])).toEqual([[50, 'unhandled error'], [50, 'request failed']]);
    expect(mine[0].err?.message).toBe('kaboom');
    expect(mine[1].res?.statusCode).toBe(500);
  });
});
