// Job reports as a caller may read them. Their sentences quote what the files held ("the pupil 0494004062M is
// listed again"), so the values that need `roster.identifiers` in records (INE, and the birth dates it opens)
// are masked for a caller without it, as records are projected (projection.ts): a report is no side door.
import type { ConnectorProblem } from '../../connectors/kit/problem.js';
import type { Scope } from '../auth/scopes.js';
import { seesIdentifiers } from './projection.js';

/** Any INE shape, strict or lenient (test feeds carry invented keys): 11 upper-case letters and digits, a digit among them. */
const INE_IN_TEXT = /\b(?=[A-Z]*[0-9])[0-9A-Z]{11}\b/g;
const DATE_IN_TEXT = /\b(?:\d{4}-\d{2}-\d{2}|\d{2}\/\d{2}\/\d{4})\b/g;
const ABOUT_BIRTH = /birth|naissance/i;

/** A report's problem with identifying values masked unless the caller's scopes open them; never throws. */
export function projectProblem(problem: ConnectorProblem, scopes: ReadonlySet<Scope>): ConnectorProblem {
  if (seesIdentifiers(scopes)) return problem;
  let detail = problem.detail.replace(INE_IN_TEXT, '[INE hidden]');
  if (ABOUT_BIRTH.test(`${problem.field ?? ''} ${detail}`)) detail = detail.replace(DATE_IN_TEXT, '[date hidden]');
  return detail === problem.detail ? problem : { ...problem, detail };
}
