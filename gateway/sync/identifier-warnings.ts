// What a lenient import says of identifiers whose keys do not check out: a warning at the record's place.
import type { ConnectorProblem, SourcePosition } from '../../connectors/kit/problem.js';
import { identifierKeyWarnings } from '../model/validate.js';

export function identifierWarningsAt(record: Record<string, unknown>, position: SourcePosition): ConnectorProblem[] {
  return identifierKeyWarnings(record).map((warning) => {
    const field = warning.pointer.slice(1);
    return { ...position, field, code: 'identifier-key', severity: 'warning', detail: `${field} ${warning.detail}; imported as it is` };
  });
}
