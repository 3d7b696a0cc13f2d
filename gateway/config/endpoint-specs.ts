// What the sync configuration says of its sources and destinations (a folder, an SFTP server, a webhook): the
// specs gateway/config/sync-config.ts reads and checks, and sync/transport/ builds transports from.

export interface Selection {
  /** Glob patterns (`*` and `?`), matched against the whole name, ignoring case (exports come from Windows). */
  patterns: readonly string[];
  /** A file modified less than this long ago may still be being written by its producer: it waits. */
  settleSeconds: number;
}

export interface FolderSourceOptions extends Selection {
  path: string;
  /** Where acknowledged files are moved, relative to `path` (created when missing). */
  doneFolder: string;
}

export interface FolderDestinationOptions {
  /** Must exist: a missing folder is a configuration mistake, not something to create silently. */
  path: string;
}

export interface SftpConnection {
  host: string;
  port: number;
  username: string;
  /** Fingerprints of the accepted host keys as `ssh-keygen -l` prints them (`SHA256:…`); more than one while a key is rotated. */
  hostKeyFingerprints: readonly string[];
  /** An OpenSSH or PEM private key; with `password`, the key is tried first. */
  privateKey?: string;
  passphrase?: string;
  password?: string;
  /** How long connecting and logging in may take (default 20). */
  connectTimeoutSeconds?: number;
}

export interface SftpSourceOptions extends SftpConnection, Selection {
  path: string;
  /** Where acknowledged files are moved, relative to `path` (created when missing). */
  doneFolder: string;
}

export interface SftpDestinationOptions extends SftpConnection {
  /** Must exist on the server. */
  path: string;
}

export interface WebhookOptions {
  url: string;
  /** The shared HMAC secret the receiver verifies with. */
  secret: string;
  /** How long one attempt may take, upload included (default 60). */
  timeoutSeconds?: number;
  /** Attempts per file, the first included (default 5). */
  attempts?: number;
  /** Wait before the first retry, doubled before each next one, at most 5 minutes (default 2). */
  firstRetryDelaySeconds?: number;
}

export type SourceSpec = ({ kind: 'folder' } & FolderSourceOptions) | ({ kind: 'sftp' } & SftpSourceOptions);

export type DestinationSpec =
  | ({ kind: 'folder' } & FolderDestinationOptions)
  | ({ kind: 'sftp' } & SftpDestinationOptions)
  | ({ kind: 'webhook' } & WebhookOptions);

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/** Why a URL may not receive webhooks, or undefined when it may. */
export function webhookUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'an absolute https:// URL';
  }
  if (parsed.username || parsed.password) return 'a URL without credentials (the HMAC signature authenticates deliveries)';
  if (parsed.protocol === 'https:') return undefined;
  if (parsed.protocol === 'http:' && LOOPBACK.test(parsed.hostname)) return undefined;
  return 'an https:// URL (plain http:// only to a loopback address)';
}
