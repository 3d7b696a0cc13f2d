// The docs page opens wherever the gateway is reached: over plain HTTP on a host name that is not localhost
// (a VM, a LAN address), in a real browser (Debian's Chromium, driven by playwright-core).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

const CHROMIUM = '/usr/bin/chromium';
/** A name that is not localhost, so that the browser treats the origin as an ordinary insecure one. */
const LAN_HOST = 'passerelle.lan';

let t: TestGateway;
let port: string;
let browser: Browser;
const screenshots = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-docs-'));

beforeAll(async () => {
  t = await startTestGateway('docs_page');
  port = new URL(t.baseUrl).port;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', `--host-resolver-rules=MAP ${LAN_HOST} 127.0.0.1`],
  });
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
  fs.rmSync(screenshots, { recursive: true, force: true });
});

describe('the docs page over plain HTTP', () => {
  it('sends neither upgrade-insecure-requests nor HSTS when the public URL is http', async () => {
    const response = await fetch(`${t.baseUrl}/docs/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).not.toMatch(/upgrade-insecure-requests/);
    expect(response.headers.get('strict-transport-security')).toBeNull();
  });

  it('GET / leads to /docs', async () => {
    const response = await fetch(`${t.baseUrl}/`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(new URL(response.headers.get('location')!, `${t.baseUrl}/`).pathname).toBe('/docs/');
  });

  it('renders Swagger UI with its operations in Chromium, reached by a host name that is not localhost', async () => {
    const page = await browser.newPage();
    const failed: string[] = [];
    page.on('requestfailed', (request) => failed.push(request.url()));
    await page.goto(`http://${LAN_HOST}:${port}/`);
    expect(new URL(page.url()).pathname).toBe('/docs/');
    const operations = page.locator('.opblock-summary');
    await operations.first().waitFor({ state: 'visible', timeout: 15_000 });
    expect(await operations.count()).toBeGreaterThan(10);
    const file = path.join(screenshots, 'docs.png');
    await page.screenshot({ path: file, fullPage: false });
    expect(fs.statSync(file).size).toBeGreaterThan(10_000);
    expect(failed).toEqual([]);
    await page.close();
  });
});

describe('the docs page behind HTTPS', () => {
  let secure: TestGateway;
  beforeAll(async () => {
    secure = await startTestGateway('docs_https', { PUBLIC_URL: 'https://passerelle.example.fr' });
  });
  afterAll(async () => secure?.close());

  it('sends upgrade-insecure-requests and HSTS when the public URL is https', async () => {
    const response = await fetch(`http://127.0.0.1:${secure.gateway.config.port}/docs/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toMatch(/upgrade-insecure-requests/);
    expect(response.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
  });
});
