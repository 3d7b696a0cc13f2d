// A throwaway OpenSSH server for the SFTP transport's tests: its own host key, one authorised user key, on a free
// loopback port, serving the user who runs the tests (root here: sshd can only log in the user it runs as, unless
// root). Needs Debian's openssh-server (.ci/run installs it).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports.js';

const run = promisify(execFile);
const SSHD = '/usr/sbin/sshd';

export interface TestSftpServer {
  host: string;
  port: number;
  username: string;
  /** The host key's fingerprint as `ssh-keygen -l` prints it: `SHA256:…`. */
  hostKeyFingerprint: string;
  /** An OpenSSH private key the server accepts for `username`. */
  privateKey: string;
  /** A temporary folder, the tests' files are put and read there (SFTP paths are the same absolute paths). */
  root: string;
  stop(): Promise<void>;
}

async function keyPair(file: string): Promise<void> {
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'passerelle-test', '-f', file]);
}

export async function fingerprintOf(publicKeyFile: string): Promise<string> {
  const { stdout } = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', publicKeyFile]);
  const fingerprint = stdout.split(' ')[1];
  if (!fingerprint?.startsWith('SHA256:')) throw new Error(`unexpected ssh-keygen output: ${stdout}`);
  return fingerprint;
}

function waitUntilListening(child: ChildProcess, log: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sshd did not start in 10 s:\n${log()}`)), 10_000);
    child.stderr!.on('data', () => {
      if (/Server listening on/.test(log())) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sshd exited with ${code}:\n${log()}`));
    });
  });
}

export async function startSftpServer(): Promise<TestSftpServer> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'passerelle-sshd-'));
  const root = path.join(dir, 'files');
  await fs.mkdir(root);
  await Promise.all([keyPair(path.join(dir, 'host_key')), keyPair(path.join(dir, 'user_key'))]);
  await fs.copyFile(path.join(dir, 'user_key.pub'), path.join(dir, 'authorized_keys'));
  // sshd refuses to start as root without its privilege separation folder, which a fresh container lacks.
  if (process.getuid?.() === 0) await fs.mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  const port = await freePort();
  const config = path.join(dir, 'sshd_config');
  await fs.writeFile(config, [
    `ListenAddress 127.0.0.1:${port}`,
    `HostKey ${path.join(dir, 'host_key')}`,
    `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
    `PidFile ${path.join(dir, 'sshd.pid')}`,
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin prohibit-password',
    'UsePAM no',
    'StrictModes no',
    'UseDNS no',
    'LogLevel VERBOSE',
    'Subsystem sftp internal-sftp',
    '',
  ].join('\n'));

  const child = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { log += chunk; });
  await waitUntilListening(child, () => log);

  return {
    host: '127.0.0.1',
    port,
    username: os.userInfo().username,
    hostKeyFingerprint: await fingerprintOf(path.join(dir, 'host_key.pub')),
    privateKey: await fs.readFile(path.join(dir, 'user_key'), 'utf8'),
    root,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
