// The layout's rules, read from the source files (no database): small files, imports that point one way, SQL
// only in the store and the feeds' query modules, no import cycle in the configuration and sync code.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const MAX_LINES = 400;
const SIZE_EXEMPT = [/^gateway\/http\/generated\//, /^gateway\/demo\/generate\.ts$/];
const NO_HTTP_IMPORTS = ['gateway/model/', 'gateway/store/', 'gateway/perimeter/', 'gateway/auth/', 'gateway/sync/'];
const SQL_HOMES = [/^gateway\/store\//, /^gateway\/feeds\/.*queries[^/]*\.ts$/];
const SQL_PATTERNS = [/\.(?:selectFrom|insertInto|updateTable|deleteFrom)\(/, /\bsql(?:<[^`\n]*>)?`/, /\.transaction\(\)/];
const CYCLE_SCOPE = ['gateway/config/', 'gateway/sync/'];

function sourceFiles(folder: string): string[] {
  const walk = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return walk(full);
    return entry.name.endsWith('.ts') ? [path.relative(ROOT, full).split(path.sep).join('/')] : [];
  });
  return walk(path.join(ROOT, folder));
}

const FILES = [...sourceFiles('gateway'), ...sourceFiles('connectors')].sort();
const textOf = (file: string): string => fs.readFileSync(path.join(ROOT, file), 'utf8');

/** The project files a source text imports (static, dynamic and type-only imports; relative ones only). */
function importsIn(file: string, text: string): string[] {
  const specifiers = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)'(\.{1,2}\/[^']+)'/gm)].map((m) => m[1]);
  return specifiers.map((specifier) =>
    path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier)).replace(/\.js$/, '.ts'));
}

const importsOf = (file: string): string[] => importsIn(file, textOf(file));

const hasSql = (line: string): boolean => SQL_PATTERNS.some((pattern) => pattern.test(line));

/** The violations of a check that are not on its known list, and the known ones that are gone (to remove). */
/** Every cycle among the files, each once, as the files along it. */
function cyclesAmong(files: string[], importsOfFile: (file: string) => string[] = importsOf): string[][] {
  const inScope = new Set(files);
  const edges = new Map(files.map((file) => [file, importsOfFile(file).filter((target) => inScope.has(target))]));
  const cycles: string[][] = [];
  const seen = new Set<string>();
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const target of edges.get(file) ?? []) {
      if (state.get(target) === 'open') {
        const cycle = stack.slice(stack.indexOf(target));
        const key = [...cycle].sort().join(' ');
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push([...cycle, target]);
        }
      } else if (!state.has(target)) {
        visit(target);
      }
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of files) if (!state.has(file)) visit(file);
  return cycles;
}

describe('the source layout', () => {
  it('reads the sources it checks', () => {
    expect(FILES.length).toBeGreaterThan(150);
    expect(FILES).toContain('gateway/app.ts');
    expect(importsOf('gateway/app.ts')).toContain('gateway/http/problem.ts');
  });

  it(`has no file under gateway/ or connectors/ over ${MAX_LINES} lines, but the generated ones`, () => {
    const oversized = FILES
      .filter((file) => !SIZE_EXEMPT.some((pattern) => pattern.test(file)))
      .map((file) => `${file}: ${textOf(file).split('\n').length - (textOf(file).endsWith('\n') ? 1 : 0)} lines`)
      .filter((entry) => Number(entry.split(': ')[1].split(' ')[0]) > MAX_LINES);
    expect(oversized).toEqual([]);
  });

  it('keeps express plumbing out of the model, the store, the perimeter, auth and sync', () => {
    const offending = FILES
      .filter((file) => NO_HTTP_IMPORTS.some((folder) => file.startsWith(folder)))
      .flatMap((file) => importsOf(file).filter((target) => target.startsWith('gateway/http/')).map((target) => `${file}: imports ${target}`));
    expect(offending).toEqual([]);
  });

  it('keeps connectors free of the gateway', () => {
    const offending = FILES
      .filter((file) => file.startsWith('connectors/'))
      .flatMap((file) => importsOf(file).filter((target) => target.startsWith('gateway/')).map((target) => `${file}: imports ${target}`));
    expect(offending).toEqual([]);
  });

  it('has SQL only in the store and the feeds\' query modules', () => {
    const offending = FILES
      .filter((file) => file.startsWith('gateway/') && !SQL_HOMES.some((pattern) => pattern.test(file)))
      .flatMap((file) => textOf(file).split('\n').flatMap((line, i) =>
        hasSql(line) ? [`${file}:${i + 1}: ${line.trim()}`] : []));
    expect(offending).toEqual([]);
  });

  it('keeps the configuration below sync (config/ never imports sync/), and express out of sync/', () => {
    const upward = FILES.filter((file) => file.startsWith('gateway/config/'))
      .flatMap((file) => importsOf(file).filter((target) => target.startsWith('gateway/sync/')).map((target) => `${file}: imports ${target}`));
    expect(upward).toEqual([]);
    expect(FILES.filter((file) => file.startsWith('gateway/sync/') && /from 'express'/.test(textOf(file)))).toEqual([]);
  });

  it('has no import cycle among the configuration and sync files', () => {
    const cycles = cyclesAmong(FILES.filter((file) => CYCLE_SCOPE.some((folder) => file.startsWith(folder))));
    const described = cycles.map((cycle) => `${cycle[0]}: ${cycle.join(' -> ')}`);
    expect(described).toEqual([]);
  });
});

describe('the checks themselves', () => {
  it('find every cycle once, naming its files in order, and no cycle where imports only converge', () => {
    const graph: Record<string, string[]> = { a: ['b'], b: ['c', 'd'], c: ['a'], d: [], e: ['a', 'd'], f: ['f'] };
    expect(cyclesAmong(Object.keys(graph), (file) => graph[file])).toEqual([['a', 'b', 'c', 'a'], ['f', 'f']]);
    expect(cyclesAmong(['a', 'b'], (file) => ({ a: ['b'], b: [] } as Record<string, string[]>)[file])).toEqual([]);
  });

  it('resolve static, dynamic and type-only relative imports to .ts files, and skip packages', () => {
    const text = [
      "import { Router } from 'express';",
      "import type { Caller } from '../auth/scopes.js';",
      "import { sendProblem } from '../http/problem.js';",
      "const { createAuthorizationServer } = await import('./authorization-server.js');",
    ].join('\n');
    expect(importsIn('gateway/auth/x.ts', text)).toEqual(['gateway/auth/scopes.ts', 'gateway/http/problem.ts', 'gateway/auth/authorization-server.ts']);
  });

  it('tell SQL from prose', () => {
    expect(['db.selectFrom(\'x\')', 'trx.insertInto(\'x\')', '.updateTable(\'x\')', '.deleteFrom(\'x\')', 'sql`now()`', 'sql<Date>`now()`', 'db.transaction().execute(work)']
      .filter((line) => !hasSql(line))).toEqual([]);
    expect(['// the SQL lives in store/', 'const selectFromCache = 1;', 'await transaction(db)'].filter(hasSql)).toEqual([]);
  });
});
