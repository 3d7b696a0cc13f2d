// `npm start`'s prestart (tools/build-if-stale.mjs) builds only when a source changed after the last successful
// build: a second start does not spend its seconds in tsc. Run in a folder of its own, with a build that
// only counts its runs.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';

const project = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-prestart-'));
afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

const script = path.resolve('tools/build-if-stale.mjs');
const builds = () => (fs.existsSync(path.join(project, 'builds.log')) ? fs.readFileSync(path.join(project, 'builds.log'), 'utf8').length : 0);
const prestart = () => spawnSync(process.execPath, [script], { cwd: project, encoding: 'utf8', timeout: 60_000 });
const setBuild = (code: string) => fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ scripts: { build: `node -e "${code}"` } }));

it('builds the first time, not again while nothing changed, and again once a source changed or a build failed', () => {
  for (const dir of ['gateway', 'connectors', 'schemas', 'openapi']) fs.mkdirSync(path.join(project, dir));
  const source = path.join(project, 'gateway', 'main.ts');
  fs.writeFileSync(source, 'export {};\n');
  fs.writeFileSync(path.join(project, 'tsconfig.json'), '{}');
  setBuild("const fs=require('fs');fs.mkdirSync('dist',{recursive:true});fs.appendFileSync('builds.log','b')");

  expect(prestart().status).toBe(0);
  expect(builds()).toBe(1);
  expect(prestart().status).toBe(0);
  expect(builds()).toBe(1);

  // Times are set in the past, never the future: the stamp is dated when its build started, and a source dated
  // ahead of the clock would stay newer than every build until the clock caught up.
  const at = (secondsAgo: number) => new Date(Date.now() - secondsAgo * 1000);
  const age = (p: string, secondsAgo: number) => fs.utimesSync(p, at(secondsAgo), at(secondsAgo));
  const ageTree = (secondsAgo: number) => {
    for (const dir of ['gateway', 'connectors', 'schemas', 'openapi']) age(path.join(project, dir), secondsAgo);
    for (const file of [source, path.join(project, 'tsconfig.json')]) age(file, secondsAgo);
  };
  const stamp = path.join(project, 'dist', '.build-stamp');

  ageTree(60);
  age(stamp, 30);
  age(source, 10);
  expect(prestart().status).toBe(0);
  expect(builds()).toBe(2);
  expect(prestart().status).toBe(0);
  expect(builds()).toBe(2);

  // A file added to a folder is a change too; a failed build leaves the next start to build again.
  ageTree(60);
  age(stamp, 30);
  fs.writeFileSync(path.join(project, 'schemas', 'new.schema.json'), '{}');
  setBuild("require('fs').appendFileSync('builds.log','b');process.exit(2)");
  expect(prestart().status).toBe(2);
  expect(prestart().status).toBe(2);
  expect(builds()).toBe(4);
}, 120_000);
