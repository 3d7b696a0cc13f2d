// Occurrence ids: name-based UUIDs (version 5, RFC 9562 §5.5, SHA-1) so that materialising the same timetable
// twice, on any machine, gives the same ids, and a re-materialised occurrence keeps its id (a moved session too).
import { hash } from 'node:crypto';

/** Passerelle's namespace for occurrence ids. Never change it: every stored occurrence id derives from it. */
export const OCCURRENCE_NAMESPACE = '722c923c-696e-4e39-86c0-1684d212a8f9';

const uuidBytes = (uuid: string): Buffer => Buffer.from(uuid.replaceAll('-', ''), 'hex');

/**
 * The UUID of a SHA-1 digest (hex): its first 16 bytes, with version 5 and the RFC variant set. Joined, not
 * concatenated: a joined string is flat, and sorting occurrences compares their ids many times (a concatenated
 * one stays a rope that each comparison walks, eight times slower).
 */
function formatV5(sha1: string): string {
  const variant = '89ab'[Number.parseInt(sha1[16], 16) & 0x3];
  return [sha1.slice(0, 8), sha1.slice(8, 12), `5${sha1.slice(13, 16)}`, variant + sha1.slice(17, 20), sha1.slice(20, 32)].join('-');
}

/** A version 5 UUID of a name (UTF-8) in a namespace (a UUID), as RFC 9562 §5.5 builds it. */
export function uuidV5(namespace: string, name: string): string {
  return formatV5(hash('sha1', Buffer.concat([uuidBytes(namespace), Buffer.from(name, 'utf8')]), 'hex'));
}

// A région's materialisation computes millions of ids: the namespace's bytes sit once at the head of a reused
// buffer, the name is written after them, and the digest comes as hex (allocating no Buffer per id).
const MAX_FAST_NAME = 256;
const SCRATCH = Buffer.alloc(16 + 3 * MAX_FAST_NAME);
uuidBytes(OCCURRENCE_NAMESPACE).copy(SCRATCH);

function occurrenceUuid(name: string): string {
  if (name.length > MAX_FAST_NAME) return uuidV5(OCCURRENCE_NAMESPACE, name);
  return formatV5(hash('sha1', SCRATCH.subarray(0, 16 + SCRATCH.write(name, 16, 'utf8')), 'hex'));
}

/** The id of a course's session on a date (the date it was scheduled on, even once moved). */
export function occurrenceId(courseId: string, date: string): string {
  return occurrenceUuid(`course/${courseId}/${date}`);
}

/** The id of an extra session, from the id of the change that makes it. */
export function extraOccurrenceId(changeId: string): string {
  return occurrenceUuid(`extra/${changeId}`);
}
