// What sync jobs see of the places files come from (sources) and go to (destinations), whatever carries them:
// folder, SFTP or webhook. Jobs treat every kind alike and decide on retries from `TransportError.transient`.
import type { SourceFile } from '../importer.js';

/** A file waiting at a source, as seen when listed: acknowledging compares it to what is there by then. */
export interface ListedFile {
  name: string;
  size: number;
  modifiedAt: Date;
}

export interface FetchedFiles {
  /** The fetched files, readable as often as the importer needs until `release`. */
  files: SourceFile[];
  /** Frees what the fetch holds (local copies of remote files); safe to call more than once. */
  release(): Promise<void>;
}

export interface AcknowledgeResult {
  /** Moved to the source's done folder: they will not be listed again. */
  acknowledged: string[];
  /** Replaced or gone since they were listed: left where they are, so a new version is taken by the next pull. */
  changed: string[];
}

export interface Source {
  /** Names the source in logs and errors, without secrets (`sftp://user@host:22/exports`). */
  readonly label: string;
  /** Files matching the pattern, settled (not modified for the settle time) and not yet acknowledged, by name. */
  list(): Promise<ListedFile[]>;
  fetch(files: readonly ListedFile[]): Promise<FetchedFiles>;
  /** Call after a successful import only: an acknowledged file is never taken again. */
  acknowledge(files: readonly ListedFile[]): Promise<AcknowledgeResult>;
}

export interface PushOptions {
  /** Stops between files and between retries; an abort rejects with the signal's reason, not a TransportError. */
  signal?: AbortSignal;
}

export interface Destination {
  readonly label: string;
  /**
   * Delivers the files in the order given (a GAR package's .md5 after its .tar.gz, so that a receiver taking
   * the checksum as the end of a delivery never sees it first). A file whose name already exists is replaced.
   */
  push(files: readonly SourceFile[], options?: PushOptions): Promise<void>;
}

export type TransportErrorCode =
  | 'unreachable'
  | 'timeout'
  | 'server-error'
  | 'io'
  | 'host-key-mismatch'
  | 'authentication-failed'
  | 'untrusted-certificate'
  | 'permission-denied'
  | 'not-found'
  | 'rejected';

// Transient failures may clear up by themselves (a server restarting, a full disk); permanent ones need a person
// to change the configuration or the other side, so retrying them only delays the report.
const TRANSIENT: Record<TransportErrorCode, boolean> = {
  unreachable: true,
  timeout: true,
  'server-error': true,
  io: true,
  'host-key-mismatch': false,
  'authentication-failed': false,
  'untrusted-certificate': false,
  'permission-denied': false,
  'not-found': false,
  rejected: false,
};

export class TransportError extends Error {
  readonly transient: boolean;
  constructor(
    readonly code: TransportErrorCode,
    /** The source's or destination's label. */
    readonly endpoint: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`${endpoint}: ${detail}`, options);
    this.name = 'TransportError';
    this.transient = TRANSIENT[code];
  }
}
