// The folder transport on a real temporary folder: pulls take settled, matching files once; pushes never show
// a partly written file under its final name.
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SourceFile } from '../../gateway/sync/importer.js';
import { createFolderDestination, createFolderSource } from '../../gateway/sync/transport/folder.js';
import { TransportError } from '../../gateway/sync/transport/transport.js';

let dir: string;
beforeEach(async () => { dir = await fs.mkdtemp(path.join(os.tmpdir(), 'passerelle-folder-')); });
afterEach(async () => { await fs.rm(dir, { recursive: true, force: true }); });

const anHourAgo = () => new Date(Date.now() - 3600_000);

async function put(name: string, content: string, modifiedAt = anHourAgo()): Promise<void> {
  await fs.writeFile(path.join(dir, name), content);
  await fs.utimes(path.join(dir, name), modifiedAt, modifiedAt);
}

async function read(file: SourceFile): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of file.open()) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

const memoryFile = (name: string, content: string): SourceFile => ({
  name,
  size: Buffer.byteLength(content),
  async *open() { yield Buffer.from(content); },
});

describe('folder source', () => {
  const source = () => createFolderSource({ path: dir, patterns: ['*.xml'], settleSeconds: 60, doneFolder: 'done' });

  it('lists settled files matching the pattern, in name order, ignoring case, dot files and folders', async () => {
    await put('Eleves_2.XML', 'b');
    await put('Eleves_1.xml', 'a');
    await put('notes.txt', 'x');
    await put('.upload.xml', 'x');
    await put('fresh.xml', 'still being written', new Date());
    await fs.mkdir(path.join(dir, 'sub.xml'));
    const listed = await source().list();
    expect(listed.map((f) => f.name)).toEqual(['Eleves_1.xml', 'Eleves_2.XML']);
    expect(listed[0].size).toBe(1);
  });

  it('hands listed files over as source files and, once acknowledged, moves them to done/ and lists them no more', async () => {
    await put('Eleves.xml', '<eleves/>');
    const pull = source();
    const listed = await pull.list();
    const fetched = await pull.fetch(listed);
    expect(fetched.files.map((f) => f.name)).toEqual(['Eleves.xml']);
    expect(await read(fetched.files[0])).toBe('<eleves/>');
    expect(await read(fetched.files[0])).toBe('<eleves/>');
    await fetched.release();

    expect(await pull.acknowledge(listed)).toEqual({ acknowledged: ['Eleves.xml'], changed: [] });
    expect(await pull.list()).toEqual([]);
    const done = await fs.readdir(path.join(dir, 'done'));
    expect(done).toHaveLength(1);
    expect(done[0]).toMatch(/^\d{8}T\d{6}Z_Eleves\.xml$/);
    expect(await fs.readFile(path.join(dir, 'done', done[0]), 'utf8')).toBe('<eleves/>');

    await put('Eleves.xml', '<eleves>again</eleves>');
    expect((await pull.list()).map((f) => f.name)).toEqual(['Eleves.xml']);
  });

  it('leaves a file replaced since it was listed, so that the new version is taken by the next pull', async () => {
    await put('Eleves.xml', 'first');
    const pull = source();
    const listed = await pull.list();
    await put('Eleves.xml', 'second, longer', new Date(Date.now() - 1800_000));
    expect(await pull.acknowledge(listed)).toEqual({ acknowledged: [], changed: ['Eleves.xml'] });
    expect((await pull.list()).map((f) => f.name)).toEqual(['Eleves.xml']);
  });

  it('fails with a permanent not-found error naming a missing folder', async () => {
    const missing = path.join(dir, 'nowhere');
    const error = await createFolderSource({ path: missing, patterns: ['*'], settleSeconds: 0, doneFolder: 'done' }).list().catch((e) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect(error).toMatchObject({ code: 'not-found', transient: false, endpoint: `folder ${missing}` });
    expect(error.message).toContain(missing);
  });
});

describe('folder destination', () => {
  it('writes the files in order under their names, replacing older ones, leaving no temporary file', async () => {
    await fs.writeFile(path.join(dir, 'gar.tar.gz.md5'), 'old');
    await createFolderDestination({ path: dir }).push([memoryFile('gar.tar.gz', 'archive'), memoryFile('gar.tar.gz.md5', 'sum')]);
    expect((await fs.readdir(dir)).sort()).toEqual(['gar.tar.gz', 'gar.tar.gz.md5']);
    expect(await fs.readFile(path.join(dir, 'gar.tar.gz'), 'utf8')).toBe('archive');
    expect(await fs.readFile(path.join(dir, 'gar.tar.gz.md5'), 'utf8')).toBe('sum');
  });

  it('shows a file under its final name only once it is complete', async () => {
    const final = path.join(dir, 'big.tar.gz');
    const seenMidway: boolean[] = [];
    const slow: SourceFile = {
      name: 'big.tar.gz',
      async *open() {
        yield Buffer.from('first half, ');
        seenMidway.push(existsSync(final));
        yield Buffer.from('second half');
      },
    };
    await createFolderDestination({ path: dir }).push([slow]);
    expect(seenMidway).toEqual([false]);
    expect(await fs.readFile(final, 'utf8')).toBe('first half, second half');
  });

  it('removes the temporary file when the producer fails, and lets the producer\'s error through', async () => {
    const failing: SourceFile = {
      name: 'broken.tar.gz',
      async *open() {
        yield Buffer.from('some bytes');
        throw new Error('export failed');
      },
    };
    const error = await createFolderDestination({ path: dir }).push([failing]).catch((e) => e);
    expect(error).not.toBeInstanceOf(TransportError);
    expect(error.message).toBe('export failed');
    expect(await fs.readdir(dir)).toEqual([]);
  });

  it('refuses a missing folder with a permanent error rather than creating it', async () => {
    const missing = path.join(dir, 'gar');
    const error = await createFolderDestination({ path: missing }).push([memoryFile('a', 'b')]).catch((e) => e);
    expect(error).toMatchObject({ code: 'not-found', transient: false });
    expect(existsSync(missing)).toBe(false);
  });
});
