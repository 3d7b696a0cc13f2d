// An SFTP server as a source of exports and as a destination (the GAR receives its files this way), on
// ssh2-sftp-client. The server's host key is pinned by fingerprint: an unknown key is refused, never learnt.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import SftpClient from 'ssh2-sftp-client';
import type { SourceFile } from '../importer.js';
import type { SftpConnection, SftpDestinationOptions, SftpSourceOptions } from '../../config/endpoint-specs.js';
import { assertPlainName, doneName, selectWaiting, temporaryName, unchangedSince } from './file-names.js';
import { TransportError, type AcknowledgeResult, type Destination, type ListedFile, type PushOptions, type Source } from './transport.js';

/** The fingerprint OpenSSH shows for a public key blob: SHA-256, base64 without padding. */
export function hostKeyFingerprint(publicKey: Buffer): string {
  return `SHA256:${createHash('sha256').update(publicKey).digest('base64').replace(/=+$/, '')}`;
}

function labelOf(connection: SftpConnection, remotePath: string): string {
  return `sftp://${connection.username}@${connection.host}:${connection.port}${remotePath.startsWith('/') ? '' : '/'}${remotePath}`;
}

type ErrorWithCodes = Error & { code?: string | number; level?: string };

// ssh2-sftp-client rewraps errors and drops ssh2's `level`, so the cause of a failed login is caught first-hand.
function connectError(label: string, error: ErrorWithCodes, sshLevel: string | undefined, refusedKey: string | undefined, connection: SftpConnection): TransportError {
  if (refusedKey) {
    return new TransportError('host-key-mismatch', label,
      `the server presented host key ${refusedKey}, which is not the pinned ${connection.hostKeyFingerprints.join(' or ')}: ` +
      'refusing to connect (if the server\'s key was changed on purpose, update its fingerprint in the sync configuration)',
      { cause: error });
  }
  if (sshLevel === 'client-authentication') {
    return new TransportError('authentication-failed', label, `login refused for ${connection.username}: check the key or password`, { cause: error });
  }
  if (/privateKey|passphrase/i.test(error.message)) {
    return new TransportError('authentication-failed', label, `cannot use the private key: ${error.message}`, { cause: error });
  }
  if (sshLevel === 'client-timeout' || /timed out/i.test(error.message)) {
    return new TransportError('timeout', label, `no answer within ${connection.connectTimeoutSeconds ?? 20} s`, { cause: error });
  }
  return new TransportError('unreachable', label, `cannot connect: ${error.message}`, { cause: error });
}

// SFTP status codes (draft-ietf-secsh-filexfer-02): 2 no such file, 3 permission denied.
function operationError(label: string, what: string, error: ErrorWithCodes): TransportError {
  const detail = `${what}: ${error.message}`;
  if (error.code === 2 || error.code === 'ENOENT' || /no such file/i.test(error.message)) {
    return new TransportError('not-found', label, detail, { cause: error });
  }
  if (error.code === 3 || error.code === 'EACCES' || /permission denied/i.test(error.message)) {
    return new TransportError('permission-denied', label, detail, { cause: error });
  }
  if (error.code === 'ECONNRESET' || error.code === 'ERR_NOT_CONNECTED' || /unexpected (end|close)/i.test(error.message)) {
    return new TransportError('unreachable', label, detail, { cause: error });
  }
  return new TransportError('io', label, detail, { cause: error });
}

/** Runs `work` on one logged-in session, closed afterwards whatever happens. */
async function withSession<T>(connection: SftpConnection, label: string, work: (client: SftpClient) => Promise<T>): Promise<T> {
  const client = new SftpClient();
  let sshLevel: string | undefined;
  let refusedKey: string | undefined;
  client.on('error', (error: ErrorWithCodes) => { sshLevel ??= error.level; });
  try {
    await client.connect({
      host: connection.host,
      port: connection.port,
      username: connection.username,
      privateKey: connection.privateKey,
      passphrase: connection.passphrase,
      password: connection.password,
      readyTimeout: (connection.connectTimeoutSeconds ?? 20) * 1000,
      hostVerifier: (key: Buffer) => {
        const presented = hostKeyFingerprint(key);
        if (connection.hostKeyFingerprints.includes(presented)) return true;
        refusedKey = presented;
        return false;
      },
    });
  } catch (error) {
    await client.end().catch(() => {});
    throw connectError(label, error as ErrorWithCodes, sshLevel, refusedKey, connection);
  }
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}

async function attempt<T>(label: string, what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw error instanceof TransportError ? error : operationError(label, what, error as ErrorWithCodes);
  }
}

export function createSftpSource(options: SftpSourceOptions): Source {
  const label = labelOf(options, options.path);
  const remote = (name: string) => path.posix.join(options.path, name);
  return {
    label,
    list: () => withSession(options, label, async (client) => {
      const entries = await attempt(label, 'cannot list the folder', () => client.list(options.path));
      const files: ListedFile[] = entries
        .filter((e) => e.type === '-')
        .map((e) => ({ name: e.name, size: e.size, modifiedAt: new Date(e.modifyTime) }));
      return selectWaiting(files, options, new Date());
    }),
    // Copied locally so that an import, however long, does not hold an SFTP session open.
    async fetch(files) {
      const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'passerelle-pull-'));
      const release = () => fs.rm(folder, { recursive: true, force: true });
      try {
        await withSession(options, label, async (client) => {
          for (const file of files) {
            await attempt(label, `cannot fetch ${file.name}`, () => client.get(remote(file.name), path.join(folder, file.name)));
          }
        });
      } catch (error) {
        await release();
        throw error;
      }
      const fetched: SourceFile[] = files.map((file) => ({
        name: file.name,
        size: file.size,
        open: () => createReadStream(path.join(folder, file.name)),
      }));
      return { files: fetched, release };
    },
    acknowledge: (files) => withSession(options, label, async (client) => {
      const done = remote(options.doneFolder);
      const result: AcknowledgeResult = { acknowledged: [], changed: [] };
      const now = new Date();
      if ((await client.exists(done)) !== 'd') await attempt(label, `cannot create ${done}`, () => client.mkdir(done, true));
      for (const file of files) {
        const current = await client.stat(remote(file.name)).catch(() => undefined);
        if (!current || !unchangedSince(file, { size: current.size, modifiedAt: new Date(current.modifyTime) })) {
          result.changed.push(file.name);
          continue;
        }
        await attempt(label, `cannot move ${file.name} to ${done}`, () =>
          client.rename(remote(file.name), path.posix.join(done, doneName(file.name, now))));
        result.acknowledged.push(file.name);
      }
      return result;
    }),
  };
}

// Plain SFTP rename refuses an existing target; OpenSSH's posix-rename replaces it atomically.
async function replace(client: SftpClient, from: string, to: string): Promise<void> {
  try {
    await client.posixRename(from, to);
  } catch (error) {
    if (!/does not support/i.test((error as Error).message)) throw error;
    if (await client.exists(to)) await client.delete(to);
    await client.rename(from, to);
  }
}

export function createSftpDestination(options: SftpDestinationOptions): Destination {
  const label = labelOf(options, options.path);
  return {
    label,
    push: (files, { signal }: PushOptions = {}) => withSession(options, label, async (client) => {
      if ((await attempt(label, 'cannot reach the folder', () => client.exists(options.path))) !== 'd') {
        throw new TransportError('not-found', label, `no folder ${options.path} on the server`);
      }
      for (const file of files) {
        signal?.throwIfAborted();
        assertPlainName(file.name);
        const temporary = path.posix.join(options.path, temporaryName(file.name));
        let producerError: unknown;
        async function* bytes() {
          try {
            yield* file.open();
          } catch (error) {
            producerError = error;
            throw error;
          }
        }
        try {
          await client.put(Readable.from(bytes()), temporary);
          await replace(client, temporary, path.posix.join(options.path, file.name));
        } catch (error) {
          await client.delete(temporary, true).catch(() => {});
          // A failing producer's error is its own, not the server's.
          if (producerError) throw producerError;
          throw operationError(label, `cannot upload ${file.name}`, error as ErrorWithCodes);
        }
      }
    }),
  };
}
