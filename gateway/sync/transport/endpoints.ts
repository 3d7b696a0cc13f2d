// The sources and destinations a sync configuration describes, built by kind: jobs hold a spec from
// gateway/config/sync-config.ts and ask for the transport here, never naming a kind themselves.
import { createFolderDestination, createFolderSource, type FolderDestinationOptions, type FolderSourceOptions } from './folder.js';
import { createSftpDestination, createSftpSource, type SftpDestinationOptions, type SftpSourceOptions } from './sftp.js';
import type { Destination, Source } from './transport.js';
import { createWebhookDestination, type WebhookOptions } from './webhook.js';

export type SourceSpec = ({ kind: 'folder' } & FolderSourceOptions) | ({ kind: 'sftp' } & SftpSourceOptions);

export type DestinationSpec =
  | ({ kind: 'folder' } & FolderDestinationOptions)
  | ({ kind: 'sftp' } & SftpDestinationOptions)
  | ({ kind: 'webhook' } & WebhookOptions);

const SOURCES: { [K in SourceSpec['kind']]: (spec: Extract<SourceSpec, { kind: K }>) => Source } = {
  folder: createFolderSource,
  sftp: createSftpSource,
};

const DESTINATIONS: { [K in DestinationSpec['kind']]: (spec: Extract<DestinationSpec, { kind: K }>) => Destination } = {
  folder: createFolderDestination,
  sftp: createSftpDestination,
  webhook: createWebhookDestination,
};

/** Connects to nothing: sessions are opened by each call of the source. */
export function createSource(spec: SourceSpec): Source {
  return (SOURCES[spec.kind] as (spec: SourceSpec) => Source)(spec);
}

/** Connects to nothing: sessions are opened by each push. */
export function createDestination(spec: DestinationSpec): Destination {
  return (DESTINATIONS[spec.kind] as (spec: DestinationSpec) => Destination)(spec);
}
