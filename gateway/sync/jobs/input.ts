// A job's input as the importer sees it: stored files, with archives (zip, tar, tar.gz) unpacked into a
// temporary folder first, so that a whole AAF delivery can be sent as one upload. Unpacking streams to disk
// (memory stays flat: Node's own gunzip, which waits for the disk, never a whole chunk inflated at once) and
// keeps only file names, never paths, so an entry cannot escape the folder. What archives expand to is bounded
// in all and as a multiple of their size, and counted as it comes: a bomb stops at the bound, before the disk
// fills. The folder goes in every outcome, and no error names it.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable, Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar';
import yauzl from 'yauzl';
import type { InputFile } from '../../store/jobs.js';
import type { SourceFile } from '../importer.js';
import { isTransient } from './transient.js';

/** Input that cannot be used: `archive-too-large` when unpacking it would pass the limits. */
export class InputProblem extends Error {
  constructor(message: string, readonly code: 'bad-archive' | 'archive-too-large' = 'bad-archive') {
    super(message);
  }
}

export interface UnpackLimits {
  /** The most a job's archives may expand to, in all, in bytes (MAX_EXPANDED_MB). */
  maxBytes: number;
  /** The most an archive may expand to, as a multiple of its own size (MAX_EXPANSION_RATIO). */
  maxRatio: number;
}

/** Files a job's archives may hold in all: deliveries hold dozens; millions of empty ones would fill the inodes. */
const MAX_FILES = 10_000;

const MIB = 1024 * 1024;

/** What any archive may expand to, whatever its ratio: a small delivery of very repetitive lines is no bomb. */
const RATIO_FREE_BYTES = 16 * MIB;

/** What the job's archives have expanded to so far, refused past the limits. */
class ExpansionBudget {
  #used = 0;
  #files = 0;

  constructor(private readonly limits: UnpackLimits) {}

  /** The bytes one archive of `size` bytes may still expand to, counted as `take` is told of them. */
  forArchive(name: string, size: number): { take(bytes: number): void; file(): void } {
    const cap = Math.min(this.limits.maxBytes - this.#used, Math.max(this.limits.maxRatio * size, RATIO_FREE_BYTES));
    let used = 0;
    return {
      take: (bytes) => {
        used += bytes;
        this.#used += bytes;
        if (used > cap) {
          throw new InputProblem(`${name}: unpacked, the archive would be larger than ${(cap / MIB).toFixed(1)} MiB, the most this gateway unpacks from it (MAX_EXPANDED_MB: ${Math.round(this.limits.maxBytes / MIB)} MiB for a job's archives in all; MAX_EXPANSION_RATIO: ${this.limits.maxRatio} times the archive's own size, or 16 MiB); expected an archive of export files: send a large delivery's files as they are, or in parts`, 'archive-too-large');
        }
      },
      file: () => {
        this.#files += 1;
        if (this.#files > MAX_FILES) throw new InputProblem(`${name}: the archive holds more than ${MAX_FILES} files, the most this gateway unpacks for a job; expected the files of one delivery`, 'archive-too-large');
      },
    };
  }
}

/** Bytes passed through as they are, each counted against the archive's budget. */
function counted(take: (bytes: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      try {
        take(chunk.length);
        done(null, chunk);
      } catch (error) {
        done(error as Error);
      }
    },
  });
}

type Kind = 'zip' | 'tar' | 'tar.gz' | 'gzip' | 'plain';

async function kindOf(file: InputFile): Promise<Kind> {
  let head = Buffer.alloc(0);
  for await (const chunk of file.open()) {
    head = Buffer.concat([head, Buffer.from(chunk)]);
    if (head.length >= 262) break;
  }
  // A local file header, or the end of an empty archive.
  if (head.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04])) || head.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x05, 0x06]))) return 'zip';
  if (head[0] === 0x1f && head[1] === 0x8b) return /\.(tar\.gz|tgz)$/i.test(file.name) ? 'tar.gz' : 'gzip';
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

/** Entries of a tar that are unpacked: files and folders, never links or devices. */
const TAR_TYPES = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory']);

/**
 * Unzips, the sizes each entry declares counted before it is written (yauzl checks that an entry holds what it
 * declares): a bomb is refused before its first byte reaches the disk.
 */
async function unzip(archive: string, dir: string, archiveName: string, budget: ReturnType<ExpansionBudget['forArchive']>, signal: AbortSignal | undefined): Promise<void> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(archive, { lazyEntries: true, strictFileNames: false }, (error, z) => (error ? reject(new InputProblem(`${archiveName}: not a readable zip archive (${error.message}); expected a complete zip archive`)) : resolve(z))));
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', (error: Error) => reject(new InputProblem(`${archiveName}: ${error.message}; expected a complete zip archive`)));
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName.endsWith('/')) {
          zip.readEntry();
          return;
        }
        try {
          budget.file();
          budget.take(entry.uncompressedSize);
        } catch (error) {
          reject(error);
          return;
        }
        const target = path.join(dir, path.basename(entry.fileName));
        zip.openReadStream(entry, (error, stream) => {
          if (error) return reject(new InputProblem(`${archiveName}: entry ${entry.fileName}: ${error.message}; expected a complete zip archive`));
          pipeline(stream, fs.createWriteStream(target, { flags: 'wx' }), { signal })
            .then(() => zip.readEntry())
            .catch((e: NodeJS.ErrnoException) => reject(e.code === 'EEXIST' ? new InputProblem(`${archiveName}: two entries are named ${path.basename(entry.fileName)}; expected each file once`) : e));
        });
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
}

/** Why an archive could not be unpacked, in words that name no folder of the server. */
function reasonOf(error: unknown, dir: string): string {
  const { code, syscall, message } = error as NodeJS.ErrnoException;
  if (code === 'ENOSPC') return 'the server has no room left to unpack it';
  // A system error's message names the file it was about: its code says enough.
  if (syscall !== undefined) return `${code ?? 'error'} on ${syscall}`;
  return String(message).split(dir).join('').split(os.tmpdir()).join('');
}

export interface UnpackedInput {
  files: SourceFile[];
  /** Removes what was unpacked. */
  dispose(): Promise<void>;
}

export interface UnpackOptions {
  limits: UnpackLimits;
  /** Names the temporary folder (the job's id), so that one left by a killed process says whose it was. */
  label: string;
  /** Stops unpacking (a cancelled job). */
  signal?: AbortSignal;
}

/**
 * The files an importer gets: plain files as stored, the content of archives unpacked into a temporary folder.
 * Throws InputProblem for an archive that cannot be unpacked or passes the limits; the folder is then gone.
 */
export async function unpackInput(stored: (InputFile & { size: number })[], options: UnpackOptions): Promise<UnpackedInput> {
  let dir: string | undefined;
  const prefix = `passerelle-job-${options.label}-`;
  const workDir = async () => {
    if (dir) return dir;
    // A run of this job that died (its process killed) left its folder behind: this run takes it away.
    for (const name of await fsp.readdir(os.tmpdir())) {
      if (name.startsWith(prefix)) await fsp.rm(path.join(os.tmpdir(), name), { recursive: true, force: true });
    }
    return (dir = await fsp.mkdtemp(path.join(os.tmpdir(), prefix)));
  };
  const budget = new ExpansionBudget(options.limits);
  const { signal } = options;
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
      const archiveBudget = budget.forArchive(file.name, file.size);
      const source = () => Readable.from(file.open());
      try {
        if (kind === 'zip') {
          const archive = path.join(await workDir(), `${index}.zip`);
          await pipeline(source(), fs.createWriteStream(archive), { signal });
          await unzip(archive, target, file.name, archiveBudget, signal);
          await fsp.rm(archive);
        } else if (kind === 'tar' || kind === 'tar.gz') {
          // tar strips `..` and absolute paths itself; `strict` turns a damaged archive into an error. What it
          // reads is counted (its headers too: never less than what it writes). Its filter may not throw: one
          // file too many stops the pipeline through `tooMany`.
          const tooMany = new AbortController();
          const unpack = tar.x({ cwd: target, strict: true, filter: (_, entry) => {
            if (!('type' in entry) || !TAR_TYPES.has(entry.type)) return false;
            if (entry.type === 'Directory') return true;
            try {
              archiveBudget.file();
              return true;
            } catch (error) {
              tooMany.abort(error);
              return false;
            }
          } });
          const stop = signal ? AbortSignal.any([signal, tooMany.signal]) : tooMany.signal;
          const gunzip = kind === 'tar.gz' ? [createGunzip()] : [];
          await pipeline([source(), ...gunzip, counted(archiveBudget.take), unpack], { signal: stop }).catch((error: unknown) => {
            throw tooMany.signal.aborted ? tooMany.signal.reason : error;
          });
        } else {
          const name = path.basename(file.name).replace(/\.gz$/i, '') || 'upload';
          archiveBudget.file();
          await pipeline(source(), createGunzip(), counted(archiveBudget.take), fs.createWriteStream(path.join(target, name)), { signal });
        }
      } catch (error) {
        // The store away for a moment is retried, not blamed on the archive.
        if (error instanceof InputProblem || signal?.aborted || isTransient(error)) throw error;
        throw new InputProblem(`${file.name}: the ${kind} archive cannot be unpacked (${reasonOf(error, dir!)}); expected a complete archive`);
      }
      const inside = await listed(target);
      if (inside.length === 0) throw new InputProblem(`${file.name}: the archive holds no file; expected the files of a delivery`);
      files.push(...inside);
    }
  } catch (error) {
    if (dir) await fsp.rm(dir, { recursive: true, force: true });
    // The temporary folder could not be made or read (a full disk): said without naming it.
    if ((error as NodeJS.ErrnoException).syscall !== undefined && !isTransient(error)) {
      throw new InputProblem(`the input cannot be unpacked (${reasonOf(error, dir ?? os.tmpdir())}); try again once the server has room`);
    }
    throw error;
  }
  return { files, dispose: async () => { if (dir) await fsp.rm(dir, { recursive: true, force: true }); } };
}
