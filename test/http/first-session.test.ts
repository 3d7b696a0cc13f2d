// The README's first session pastes as it is: after the `export CLIENT_ID=… CLIENT_SECRET=…` line the start
// banner prints, its curl lines run in bash against a gateway with the demo data and get JSON, no problem.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoBanner, ensureDemoData } from '../../gateway/demo/seed.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

const run = promisify(execFile);
let t: TestGateway;
let banner: string;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-first-session-'));

beforeAll(async () => {
  t = await startTestGateway('first_session');
  const credentials = await ensureDemoData({ db: t.gateway.store.db, dataDir, options: { establishments: 6, people: 120 } });
  banner = demoBanner({ baseUrl: t.baseUrl, ...credentials });
}, 120_000);
afterAll(async () => {
  await t?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function firstSession(): string {
  const readme = fs.readFileSync(path.join(import.meta.dirname, '../../README.md'), 'utf8');
  const section = readme.split('\n## A first session\n')[1]!.split('\n## ')[0];
  return /```sh\n([\s\S]*?)```/.exec(section)![1];
}

describe("the README's first session", () => {
  it('reads only the variables the start banner exports, and TOKEN, which it sets', () => {
    const exported = /^ {4}export (.*)$/m.exec(banner)![1];
    const names = [...exported.matchAll(/([A-Z_]+)=/g)].map((m) => m[1]);
    expect(names).toEqual(['CLIENT_ID', 'CLIENT_SECRET']);
    const read = new Set([...firstSession().matchAll(/\$([A-Z_]+)/g)].map((m) => m[1]));
    expect([...read].sort()).toEqual(['CLIENT_ID', 'CLIENT_SECRET', 'TOKEN']);
  });

  it('runs in bash after the banner export line, each curl answering JSON without a problem', async () => {
    const exportLine = /^ {4}(export .*)$/m.exec(banner)![1];
    const script = firstSession().replaceAll('http://localhost:8080', t.baseUrl);
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', `${exportLine}\n${script}`], { timeout: 30_000 });
    const answers = stdout.split(/(?<=\})(?=\{)/);
    expect(answers).toHaveLength(5);
    const [colleges, pupils, changes, occurrences, heating] = answers.map((text) => JSON.parse(text) as { data?: unknown[]; type?: string; zones?: unknown[] });
    for (const answer of [colleges, pupils, changes, occurrences, heating]) expect(answer.type).toBeUndefined();
    expect(colleges.data!.length).toBeGreaterThan(0);
    expect(pupils.data).toHaveLength(5);
    expect(changes.data!.length).toBeGreaterThan(0);
    // The demo's timetables: a Monday's sessions, and a week's heating plan per building.
    expect(occurrences.data!.length).toBeGreaterThan(0);
    expect(heating.zones!.length).toBeGreaterThan(0);
  });
});
