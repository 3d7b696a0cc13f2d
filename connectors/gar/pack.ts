// The delivery the GAR takes: every file of an export in one tar.gz, and beside it a `.md5` holding the
// archive's MD5 as 32 hexadecimal digits and nothing else, both named after the files' common prefix (as ODE's
// gar-connector DefaultTarService packs them). The archive goes first, the checksum after it.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { create } from 'tar';

export interface GarPackage {
  /** File names in `dir`. */
  archive: string;
  checksum: string;
  md5: string;
}

/** Packs `files` (names in `dir`) into `<packageName>.tar.gz` and `<packageName>.md5`, in `dir`. */
export async function packGar(dir: string, files: readonly string[], packageName: string): Promise<GarPackage> {
  const archive = `${packageName}.tar.gz`;
  const checksum = `${packageName}.md5`;
  // portable: no owner names or ids of the machine that exported.
  await create({ gzip: true, portable: true, cwd: dir, file: path.join(dir, archive) }, [...files]);
  const hash = createHash('md5');
  for await (const chunk of createReadStream(path.join(dir, archive))) hash.update(chunk as Buffer);
  const md5 = hash.digest('hex');
  await writeFile(path.join(dir, checksum), md5);
  return { archive, checksum, md5 };
}
