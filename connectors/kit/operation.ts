// What a roster connector hands the gateway: canonical records to upsert, in dependency order (people and
// groups before the memberships that link them), each with where it came from. Links to records the source
// also describes are given by that source's identifier, as sources do not know gateway ids.
import type { ConnectorProblem, SourcePosition } from './problem.js';

export interface SourceLink {
  source: string;
  id: string;
}

/**
 * The entities connectors write: the gateway's registry of establishment records (gateway/model/registry.ts) by
 * name, which connectors may not import; test/model/registry-contract.test.ts keeps the two lists one.
 */
export const CANONICAL_ENTITIES = ['subject', 'room', 'academicYear', 'group', 'person', 'membership', 'guardianLink', 'course', 'timetableChange'] as const;
export type CanonicalEntity = (typeof CANONICAL_ENTITIES)[number];

export interface CanonicalOperation {
  entity: CanonicalEntity;
  record: Record<string, unknown>;
  /** Field → its target by source id; a field that holds ids (a teacher membership's `subjectIds`) takes an array. */
  links?: Record<string, SourceLink | SourceLink[]>;
  position: SourcePosition;
}

export type ConnectorItem = { kind: 'operation'; operation: CanonicalOperation } | { kind: 'problem'; problem: ConnectorProblem };
