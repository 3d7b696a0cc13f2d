// The SFTP transport against a real OpenSSH server (test/support/sftp-server.ts): pushes land on the server under
// their final names, pulls are acknowledged into done/, and a wrong host key or a refused login fails for good.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import SftpClient from 'ssh2-sftp-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SourceFile } from '../../gateway/sync/importer.js';
import type { SftpConnection } from '../../gateway/config/endpoint-specs.js';
import { createSftpDestination, createSftpSource } from '../../gateway/sync/transport/sftp.js';
import { TransportError } from '../../gateway/sync/transport/transport.js';
import { startSftpServer, type TestSftpServer } from '../support/sftp-server.js';

let server: TestSftpServer;
let connection: SftpConnection;
let inbox: string;
let outbox: string;

beforeAll(async () => {
  server = await startSftpServer();
  connection = {
    host: server.host,
    port: server.port,
    username: server.username,
    hostKeyFingerprints: [server.hostKeyFingerprint],
    privateKey: server.privateKey,
    connectTimeoutSeconds: 5,
  };
});
afterAll(async () => { await server?.stop(); });

beforeEach(async () => {
  inbox = await fs.mkdtemp(path.join(server.root, 'exports-'));
  outbox = await fs.mkdtemp(path.join(server.root, 'gar-'));
});

const memoryFile = (name: string, content: string): SourceFile => ({
  name,
  async *open() { yield Buffer.from(content); },
});

async function read(file: SourceFile): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of file.open()) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads a folder back through the SFTP server itself, not the local disk. */
async function readThroughServer(folder: string): Promise<Record<string, string>> {
  const client = new SftpClient();
  await client.connect({ host: server.host, port: server.port, username: server.username, privateKey: server.privateKey });
  try {
    const contents: Record<string, string> = {};
    for (const entry of await client.list(folder)) {
      if (entry.type === '-') contents[entry.name] = ((await client.get(path.posix.join(folder, entry.name))) as Buffer).toString('utf8');
    }
    return contents;
  } finally {
    await client.end();
  }
}

async function putOld(name: string, content: string): Promise<void> {
  const file = path.join(inbox, name);
  await fs.writeFile(file, content);
  const anHourAgo = new Date(Date.now() - 3600_000);
  await fs.utimes(file, anHourAgo, anHourAgo);
}

async function otherPrivateKey(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'passerelle-key-'));
  try {
    await promisify(execFile)('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'key')]);
    return await fs.readFile(path.join(dir, 'key'), 'utf8');
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

describe('SFTP destination', () => {
  it('uploads the files under their final names, replacing an older one, leaving no temporary file', async () => {
    await fs.writeFile(path.join(outbox, 'gar.tar.gz.md5'), 'old checksum');
    const destination = createSftpDestination({ ...connection, path: outbox });
    await destination.push([memoryFile('gar.tar.gz', 'archive bytes'), memoryFile('gar.tar.gz.md5', 'new checksum')]);
    expect(await readThroughServer(outbox)).toEqual({ 'gar.tar.gz': 'archive bytes', 'gar.tar.gz.md5': 'new checksum' });
    expect(destination.label).toBe(`sftp://${server.username}@127.0.0.1:${server.port}${outbox}`);
  });

  it('lets a failing producer\'s error through and leaves no temporary file on the server', async () => {
    const failing: SourceFile = {
      name: 'gar.tar.gz',
      async *open() {
        yield Buffer.from('some bytes');
        throw new Error('export failed');
      },
    };
    const error = await createSftpDestination({ ...connection, path: outbox }).push([failing]).catch((e) => e);
    expect(error).not.toBeInstanceOf(TransportError);
    expect(error.message).toBe('export failed');
    expect(await fs.readdir(outbox)).toEqual([]);
  });

  it('refuses a server whose host key is not the pinned one, naming both keys, and sends nothing', async () => {
    const pinned = 'SHA256:' + Buffer.alloc(32, 7).toString('base64').replace(/=+$/, '');
    const destination = createSftpDestination({ ...connection, hostKeyFingerprints: [pinned], path: outbox });
    const error = await destination.push([memoryFile('gar.tar.gz', 'x')]).catch((e) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect(error).toMatchObject({ code: 'host-key-mismatch', transient: false, endpoint: destination.label });
    expect(error.message).toContain(server.hostKeyFingerprint);
    expect(error.message).toContain(pinned);
    expect(await readThroughServer(outbox)).toEqual({});
  });

  it('treats a refused login as permanent', async () => {
    const withOtherKey = createSftpDestination({ ...connection, privateKey: await otherPrivateKey(), path: outbox });
    const error = await withOtherKey.push([memoryFile('a', 'b')]).catch((e) => e);
    expect(error).toMatchObject({ code: 'authentication-failed', transient: false });
    expect(error.message).toContain(`login refused for ${server.username}`);

    const withPassword = createSftpDestination({ ...connection, privateKey: undefined, password: 'not accepted', path: outbox });
    expect(await withPassword.push([memoryFile('a', 'b')]).catch((e) => e)).toMatchObject({ code: 'authentication-failed', transient: false });
  });

  it('fails for good on a folder the server does not have', async () => {
    const destination = createSftpDestination({ ...connection, path: path.posix.join(outbox, 'missing') });
    expect(await destination.push([memoryFile('a', 'b')]).catch((e) => e)).toMatchObject({ code: 'not-found', transient: false });
  });

  it('treats a server that does not answer as transient', async () => {
    await server.stop();
    try {
      const error = await createSftpDestination({ ...connection, path: outbox }).push([memoryFile('a', 'b')]).catch((e) => e);
      expect(error).toMatchObject({ code: 'unreachable', transient: true });
    } finally {
      server = await startSftpServer();
      connection = { ...connection, port: server.port, hostKeyFingerprints: [server.hostKeyFingerprint], privateKey: server.privateKey };
    }
  });
});

describe('SFTP source', () => {
  it('lists settled matching files, fetches them, and once acknowledged moves them to done/ on the server', async () => {
    await putOld('Eleves_2026.xml', '<eleves/>');
    await putOld('Structures_2026.xml', '<structures/>');
    await putOld('readme.txt', 'not an export');
    await fs.writeFile(path.join(inbox, 'Nomenclature.xml'), 'being uploaded right now');
    const source = createSftpSource({ ...connection, path: inbox, patterns: ['*.xml'], settleSeconds: 60, doneFolder: 'done' });

    const listed = await source.list();
    expect(listed.map((f) => f.name)).toEqual(['Eleves_2026.xml', 'Structures_2026.xml']);
    const fetched = await source.fetch(listed);
    expect(await Promise.all(fetched.files.map(read))).toEqual(['<eleves/>', '<structures/>']);
    await fetched.release();

    expect(await source.acknowledge(listed)).toEqual({ acknowledged: ['Eleves_2026.xml', 'Structures_2026.xml'], changed: [] });
    expect(await source.list()).toEqual([]);
    const done = Object.keys(await readThroughServer(path.posix.join(inbox, 'done'))).sort();
    expect(done).toHaveLength(2);
    expect(done[0]).toMatch(/^\d{8}T\d{6}Z_Eleves_2026\.xml$/);
  });

  it('leaves a file replaced since it was listed for the next pull', async () => {
    await putOld('Eleves.xml', 'first');
    const source = createSftpSource({ ...connection, path: inbox, patterns: ['*.xml'], settleSeconds: 0, doneFolder: 'done' });
    const listed = await source.list();
    await putOld('Eleves.xml', 'second, longer');
    expect(await source.acknowledge(listed)).toEqual({ acknowledged: [], changed: ['Eleves.xml'] });
    expect((await source.list()).map((f) => f.name)).toEqual(['Eleves.xml']);
  });
});
