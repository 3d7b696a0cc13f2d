// A job's input as the importer sees it: stored files, with archives (zip, tar, tar.gz) unpacked into a
// temporary folder first, so that a whole AAF delivery can be sent as one upload. Unpacking streams to disk
// (memory stays flat) and keeps only file names, never paths, so an entry cannot escape the folder.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar';
import yauzl from 'yauzl';
import type { InputFile } from '../../store/jobs.js';
import type { SourceFile } from '../importer.js';

export class InputProblem extends Error {}

type Kind = 'zip' | 'tar' | 'gzip' | 'plain';

async function kindOf(file: InputFile): Promise<Kind> {
  let head = Buffer.alloc(0);
  for await (const chunk of file.open()) {
    head = Buffer.concat([head, Buffer.from(chunk)]);
    if (head.length >= 262) break;
  }
  if (head.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))) return 'zip';
  if (head[0] === 0x1f && head[1] === 0x8b) return /\.(tar\.gz|tgz)$/i.test(file.name) ? 'tar' : 'gzip';
  if (head.subarray(257, 262).toString('latin1') === 'ustar') return 'tar';
  return 'plain';
}

function fromDisk(name: string, filePath: string, size: number): SourceFile {
  return { name, size, open: () => fs.createReadStream(filePath) };
}

async function listed(dir: string): Promise<SourceFile[]> {
  const entries = await fsp.readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile() && !e.name.startsWith('._') && !e.name.startsWith('.'));
  const out: SourceFile[] = [];
  for (const entry of files) {
    const full = path.join(entry.parentPath, entry.name);
    out.push(fromDisk(path.relative(dir, full).split(path.sep).join('/'), full, (await fsp.stat(full)).size));
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

async function unzip(archive: string, dir: string, archiveName: string): Promise<void> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(archive, { lazyEntries: true, strictFileNames: false }, (error, z) => (error ? reject(new InputProblem(`${archiveName}: not a readable zip archive (${error.message})`)) : resolve(z))));
  await new Promise<void>((resolve, reject) => {
    zip.on('error', (error: Error) => reject(new InputProblem(`${archiveName}: ${error.message}`)));
    zip.on('end', () => resolve());
    zip.on('entry', (entry: yauzl.Entry) => {
      if (entry.fileName.endsWith('/')) {
        zip.readEntry();
        return;
      }
      const target = path.join(dir, path.basename(entry.fileName));
      zip.openReadStream(entry, (error, stream) => {
        if (error) return reject(new InputProblem(`${archiveName}: entry ${entry.fileName}: ${error.message}`));
        pipeline(stream, fs.createWriteStream(target, { flags: 'wx' }))
          .then(() => zip.readEntry())
          .catch((e: Error) => reject(new InputProblem(`${archiveName}: entry ${entry.fileName}: ${e.message}`)));
      });
    });
    zip.readEntry();
  });
}

export interface UnpackedInput {
  files: SourceFile[];
  /** Removes what was unpacked. */
  dispose(): Promise<void>;
}

/** The files an importer gets: plain files as stored, the content of archives unpacked. */
export async function unpackInput(stored: (InputFile & { size: number })[]): Promise<UnpackedInput> {
  let dir: string | undefined;
  const workDir = async () => (dir ??= await fsp.mkdtemp(path.join(os.tmpdir(), 'passerelle-job-')));
  const files: SourceFile[] = [];
  try {
    for (const [index, file] of stored.entries()) {
      const kind = await kindOf(file);
      if (kind === 'plain') {
        files.push({ name: file.name, size: file.size, open: () => file.open() });
        continue;
      }
      const target = path.join(await workDir(), String(index));
      await fsp.mkdir(target);
      try {
        if (kind === 'zip') {
          const archive = path.join(await workDir(), `${index}.zip`);
          await pipeline(Readable.from(file.open()), fs.createWriteStream(archive));
          await unzip(archive, target, file.name);
          await fsp.rm(archive);
        } else if (kind === 'tar') {
          // tar strips `..` and absolute paths itself; `strict` turns a damaged archive into an error.
          await pipeline(Readable.from(file.open()), tar.x({ cwd: target, strict: true }));
        } else {
          const name = path.basename(file.name).replace(/\.gz$/i, '') || 'upload';
          await pipeline(Readable.from(file.open()), createGunzip(), fs.createWriteStream(path.join(target, name)));
        }
      } catch (error) {
        if (error instanceof InputProblem) throw error;
        throw new InputProblem(`${file.name}: the ${kind} archive cannot be unpacked (${(error as Error).message}); expected a complete archive`);
      }
      const inside = await listed(target);
      if (inside.length === 0) throw new InputProblem(`${file.name}: the archive holds no file`);
      files.push(...inside);
    }
  } catch (error) {
    if (dir) await fsp.rm(dir, { recursive: true, force: true });
    throw error;
  }
  return { files, dispose: async () => { if (dir) await fsp.rm(dir, { recursive: true, force: true }); } };
}
