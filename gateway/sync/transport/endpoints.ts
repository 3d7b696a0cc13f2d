// The sources and destinations a sync configuration describes, built by kind: jobs hold a spec from
// gateway/config/endpoint-specs.ts and ask for the transport here, never naming a kind themselves.
import type { DestinationSpec, SourceSpec } from '../../config/endpoint-specs.js';
import { createFolderDestination, createFolderSource } from './folder.js';
import { createSftpDestination, createSftpSource } from './sftp.js';
import type { Destination, Source } from './transport.js';
import { createWebhookDestination } from './webhook.js';

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
