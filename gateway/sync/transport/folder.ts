// A folder on a disk the gateway mounts (a share, a volume), as a source of exports and as a destination.
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { SourceFile } from '../importer.js';
import type { FolderDestinationOptions, FolderSourceOptions } from '../../config/endpoint-specs.js';
import { assertPlainName, doneName, selectWaiting, temporaryName, unchangedSince } from './file-names.js';
import { TransportError, type AcknowledgeResult, type Destination, type ListedFile, type PushOptions, type Source } from './transport.js';

function fsError(label: string, what: string, error: unknown): TransportError {
  const code = (error as NodeJS.ErrnoException).code;
  const detail = `${what}: ${(error as Error).message}`;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new TransportError('not-found', label, detail, { cause: error });
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new TransportError('permission-denied', label, detail, { cause: error });
  }
  return new TransportError('io', label, detail, { cause: error });
}

export function createFolderSource(options: FolderSourceOptions): Source {
  const root = path.resolve(options.path);
  const label = `folder ${root}`;
  const statOf = async (name: string) => {
    const stat = await fs.stat(path.join(root, name));
    return { size: stat.size, modifiedAt: stat.mtime };
  };
  return {
    label,
    async list() {
      let entries;
      try {
        entries = await fs.readdir(root, { withFileTypes: true });
      } catch (error) {
        throw fsError(label, 'cannot list the folder', error);
      }
      const files: ListedFile[] = [];
      for (const entry of entries.filter((e) => e.isFile())) {
        try {
          files.push({ name: entry.name, ...(await statOf(entry.name)) });
        } catch (error) {
          // Taken by another reader between readdir and stat: nothing to pull.
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw fsError(label, `cannot stat ${entry.name}`, error);
        }
      }
      return selectWaiting(files, options, new Date());
    },
    async fetch(files) {
      const fetched: SourceFile[] = files.map((file) => ({
        name: file.name,
        size: file.size,
        open: () => createReadStream(path.join(root, file.name)),
      }));
      return { files: fetched, release: async () => {} };
    },
    async acknowledge(files) {
      const done = path.join(root, options.doneFolder);
      const result: AcknowledgeResult = { acknowledged: [], changed: [] };
      const now = new Date();
      try {
        await fs.mkdir(done, { recursive: true });
        for (const file of files) {
          const current = await statOf(file.name).catch(() => undefined);
          if (!current || !unchangedSince(file, current)) {
            result.changed.push(file.name);
            continue;
          }
          await fs.rename(path.join(root, file.name), path.join(done, doneName(file.name, now)));
          result.acknowledged.push(file.name);
        }
      } catch (error) {
        throw fsError(label, `cannot move files to ${done}`, error);
      }
      return result;
    },
  };
}

export function createFolderDestination(options: FolderDestinationOptions): Destination {
  const root = path.resolve(options.path);
  const label = `folder ${root}`;
  return {
    label,
    async push(files, { signal }: PushOptions = {}) {
      const stat = await fs.stat(root).catch((error) => { throw fsError(label, 'cannot write to the folder', error); });
      if (!stat.isDirectory()) throw new TransportError('not-found', label, `${root} is not a folder`);
      for (const file of files) {
        signal?.throwIfAborted();
        assertPlainName(file.name);
        const temporary = path.join(root, temporaryName(file.name));
        try {
          const handle = await fs.open(temporary, 'wx');
          try {
            await fs.writeFile(handle, file.open(), { signal });
            // On disk before the rename makes it visible: a crash must not leave a complete name on partial bytes.
            await handle.sync();
          } finally {
            await handle.close();
          }
          await fs.rename(temporary, path.join(root, file.name));
        } catch (error) {
          await fs.rm(temporary, { force: true });
          if (signal?.aborted) throw signal.reason;
          // Only the file system's errors are the destination's; a failing producer's error is its own.
          if (!(error as NodeJS.ErrnoException).syscall) throw error;
          throw fsError(label, `cannot write ${file.name}`, error);
        }
      }
      await syncFolder(root);
    },
  };
}

// The renames themselves are durable only once the folder's entry list is.
async function syncFolder(folder: string): Promise<void> {
  const handle = await fs.open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
