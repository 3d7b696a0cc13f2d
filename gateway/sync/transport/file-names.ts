// How the folder and SFTP transports pick and name files, so that both behave the same: which waiting files a
// pull takes, where acknowledged files go, and the temporary name a push writes under before renaming.
import { randomBytes } from 'node:crypto';
import type { Selection } from '../../config/endpoint-specs.js';
import type { ListedFile } from './transport.js';

function globToRegExp(pattern: string): RegExp {
  const body = [...pattern]
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, 'is');
}

/** The files a pull takes now, in name order (dated export names then come oldest first). */
export function selectWaiting(files: readonly ListedFile[], selection: Selection, now: Date): ListedFile[] {
  const patterns = selection.patterns.map(globToRegExp);
  const settledBefore = now.getTime() - selection.settleSeconds * 1000;
  return files
    // Dot files are uploads in progress (ours and most tools' temporary names).
    .filter((f) => !f.name.startsWith('.') && patterns.some((p) => p.test(f.name)))
    .filter((f) => f.modifiedAt.getTime() <= settledBefore)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Where an acknowledged file goes in the done folder: stamped, so that a re-delivery under the same name keeps both. */
export function doneName(name: string, now: Date): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}_${name}`;
}

/** A hidden name beside the final one: readers skip dot files, and the rename to `name` is atomic. */
export function temporaryName(name: string): string {
  return `.${name}.${randomBytes(4).toString('hex')}.part`;
}

/** Whether a file still looks as it did when listed. */
export function unchangedSince(listed: ListedFile, now: { size: number; modifiedAt: Date }): boolean {
  return listed.size === now.size && listed.modifiedAt.getTime() === now.modifiedAt.getTime();
}

/** A pushed file's name must stay inside the destination folder. */
export function assertPlainName(name: string): void {
  if (name === '' || name === '.' || name === '..' || /[/\\\0]/.test(name)) {
    throw new TypeError(`not a plain file name: ${JSON.stringify(name)}`);
  }
}
