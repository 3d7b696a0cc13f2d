// How gateway/sync/ sits among its neighbours: it imports config/ and never the reverse, its modules import
// each other without a cycle, and it holds no SQL (queries live in store/ and feeds' query modules).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

function sources(folder: string): string[] {
  return fs.readdirSync(folder, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => path.join(folder, f));
}

/** The relative imports of a module, as the paths of the .ts files they name. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:import|export)\s[^'"]*?from\s+'(\.[^']+)'/g)].map((m) => path.join(path.dirname(file), m[1].replace(/\.js$/, '.ts')));
}

function cycles(files: string[]): string[][] {
  const inScope = new Set(files);
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of importsOf(file).filter((f) => inScope.has(f))) {
      if (state.get(next) === 'open') found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of files) if (!state.has(file)) visit(file);
  return found;
}

describe('gateway/sync', () => {
  const sync = sources('gateway/sync');
  const config = sources('gateway/config');

  it('imports its modules, and config/ imports, without a cycle', () => {
    expect(cycles([...sync, ...config])).toEqual([]);
  });

  it('is not imported by config/', () => {
    expect(config.filter((file) => importsOf(file).some((f) => f.startsWith(`gateway${path.sep}sync${path.sep}`)))).toEqual([]);
  });

  it('holds no SQL', () => {
    const sql = /\.(selectFrom|insertInto|updateTable|deleteFrom)\(|\bsql`/;
    expect(sync.filter((file) => sql.test(fs.readFileSync(file, 'utf8')))).toEqual([]);
  });

  it('serves no HTTP', () => {
    expect(sync.filter((file) => /from 'express'|\/http\//.test(fs.readFileSync(file, 'utf8')))).toEqual([]);
  });
});
