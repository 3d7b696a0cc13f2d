// The one table of problem types: every kind thrown anywhere is in it, every kind in it is thrown somewhere,
// errors render from it (a 500 never shows its detail), and each `type` URI is a page of the gateway.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayError } from '../../gateway/errors/gateway-error.js';
import { PROBLEM_TYPES, isProblemSlug } from '../../gateway/errors/problem-types.js';
import { problemHandler } from '../../gateway/http/problem.js';
import { api } from '../support/api.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

const GATEWAY = path.resolve(import.meta.dirname, '../../gateway');
const SLUGS = Object.keys(PROBLEM_TYPES);

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'generated' ? [] : sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Every string literal a GatewayError (or a subclass's super call) is given as its kind, with where it is. */
function thrownSlugs(): { slug: string; file: string }[] {
  const found: { slug: string; file: string }[] = [];
  for (const file of sourceFiles(GATEWAY)) {
    const text = fs.readFileSync(file, 'utf8');
    if (!/GatewayError|extends \w+Problem\b/.test(text)) continue;
    for (const call of text.matchAll(/(?:new GatewayError|super)\(([^;]*?)(?:,|\))/gs)) {
      // A literal compared to (`where === 'stored' ? …`) is a condition, not a kind.
      for (const literal of call[1].matchAll(/(?<!===?\s*)'([a-z][a-z-]*)'/g)) found.push({ slug: literal[1], file: path.relative(GATEWAY, file) });
    }
  }
  return found;
}

describe('the table of problem types', () => {
  it('holds every kind of problem thrown anywhere in the gateway', () => {
    const thrown = thrownSlugs();
    expect(thrown.length).toBeGreaterThan(15);
    expect(thrown.filter(({ slug }) => !isProblemSlug(slug))).toEqual([]);
  });

  it('holds no kind that nothing throws', () => {
    const used = new Set(thrownSlugs().map(({ slug }) => slug));
    // The problem handler and ClientError choose their kind among literals in expressions the scan reads too.
    expect(SLUGS.filter((slug) => !used.has(slug))).toEqual([]);
  });

  it('gives every kind a status, a title and a description', () => {
    for (const [slug, type] of Object.entries(PROBLEM_TYPES)) {
      expect(type.status, slug).toBeGreaterThanOrEqual(400);
      expect(type.status, slug).toBeLessThan(600);
      expect(type.title, slug).toBeTruthy();
      expect(type.description.length, slug).toBeGreaterThan(40);
    }
  });
});

describe('rendering', () => {
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    const app = express();
    app.get('/internal', () => {
      throw new GatewayError('internal', 'password=hunter2 in a connection string');
    });
    app.get('/crash', () => {
      throw new Error('password=hunter2');
    });
    app.get('/conflict', () => {
      throw new GatewayError('conflict', 'job 1 is running', { errors: [{ pointer: '/path/id', detail: 'is running' }] });
    });
    app.post('/json', express.json({ limit: '10b' }), (_req, res) => void res.json({}));
    app.use(problemHandler('https://passerelle.test'));
    server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

  it('never shows the detail of a 500, whether a GatewayError or an unknown error', async () => {
    for (const route of ['/internal', '/crash']) {
      const response = await fetch(`${base}${route}`, { headers: { 'x-request-id': 'req-7' } });
      const text = await response.text();
      expect(response.status).toBe(500);
      expect(text).not.toContain('hunter2');
      expect(JSON.parse(text)).toMatchObject({ type: 'https://passerelle.test/problems/internal', title: 'Internal error', status: 500 });
    }
  });

  it('keeps the status of express\'s own 4xx errors, with the kind the table gives it', async () => {
    const post = (body: string) => fetch(`${base}/json`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const malformed = await post('{');
    expect(malformed.status).toBe(400);
    expect((await malformed.json()).type).toBe('https://passerelle.test/problems/bad-request');
    const large = await post(JSON.stringify({ text: 'more than ten bytes' }));
    expect(large.status).toBe(413);
    expect(await large.json()).toMatchObject({ type: 'https://passerelle.test/problems/too-large', title: 'Request too large' });
  });

  it('takes the status and title from the table, the type from the public URL', async () => {
    const response = await fetch(`${base}/conflict`);
    expect(response.status).toBe(409);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await response.json()).toEqual({
      type: 'https://passerelle.test/problems/conflict', title: 'Conflict', status: 409, detail: 'job 1 is running',
      instance: '/conflict', errors: [{ pointer: '/path/id', detail: 'is running' }],
    });
  });
});

describe('the problem type pages', () => {
  let t: TestGateway;
  beforeAll(async () => void (t = await startTestGateway('problem_types')));
  afterAll(async () => t?.close());

  it('lists every kind at /problems, as HTML and as JSON', async () => {
    const html = await fetch(`${t.baseUrl}/problems`);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    const page = await html.text();
    for (const slug of SLUGS) expect(page).toContain(`href="problems/${slug}"`);
    expect(page).not.toMatch(/<(?:script|link|img)\b/);

    const listed = await api(t.baseUrl).get<{ problems: { type: string; slug: string; status: number }[] }>('/problems', { headers: { accept: 'application/json' } });
    expect(listed.status).toBe(200);
    expect(listed.body.problems.map((p) => p.slug)).toEqual(SLUGS);
    for (const problem of listed.body.problems) expect(problem.type).toBe(`${t.baseUrl}/problems/${problem.slug}`);
  });

  it('describes one kind at /problems/<slug>, and answers an unknown one with a 404 problem', async () => {
    const one = await api(t.baseUrl).get('/problems/precondition-failed', { headers: { accept: 'application/json' } });
    expect(one.body).toEqual({ type: `${t.baseUrl}/problems/precondition-failed`, slug: 'precondition-failed', ...PROBLEM_TYPES['precondition-failed'] });
    const page = await (await fetch(`${t.baseUrl}/problems/precondition-failed`)).text();
    expect(page).toContain('<h1>Precondition failed</h1>');
    expect(page).toContain('<strong>412</strong>');

    const unknown = await api(t.baseUrl).get('/problems/teapot');
    expect(unknown.status).toBe(404);
    expect(unknown.body.type).toBe(`${t.baseUrl}/problems/not-found`);
  });

  it('serves the page an actual error\'s type points at', async () => {
    const refused = await api(t.baseUrl).get('/v1/establishments');
    expect(refused.status).toBe(401);
    const page = await fetch(refused.body.type as string, { headers: { accept: 'application/json' } });
    expect(page.status).toBe(200);
    expect(await page.json()).toMatchObject({ type: refused.body.type, status: 401, title: refused.body.title });
  });
});
