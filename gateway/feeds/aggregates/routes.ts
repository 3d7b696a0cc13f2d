// The aggregates feed for the ministry and its partners (aggregates.read): a measure over a territory inside the
// caller's perimeter, by up to three dimensions, every margin included, small groups suppressed; JSON or CSV.
import { Router } from 'express';
import { ValidationProblem } from '../../errors/problems.js';
import { aggregatesAnswer, aggregatesCsv } from '../../aggregates/answer.js';
import { isMeasure, MEASURES } from '../../aggregates/measures.js';
import { accessOf } from '../../http/context.js';
import { dateRange } from '../../http/date-range.js';
import { queryString } from '../../http/query.js';
import { representationOf, sendRepresentation } from '../../http/representations.js';
import { formatPerimeterEntry, parsePerimeterEntry, PerimeterError, type PerimeterEntry } from '../../perimeter/perimeter.js';
import { DIMENSIONS, type Dimension } from '../../store/aggregates/cells.js';

const MAX_DIMENSIONS = 3;

export function aggregatesRoutes(threshold: number): Router {
  const router = Router();
  router.get('/aggregates/:measure', async (req, res) => {
    const measure = String(req.params.measure);
    if (!isMeasure(measure)) throw invalid('/path/measure', `expected one of ${Object.keys(MEASURES).join(', ')}`);
    const representation = representationOf(req, ['json', 'csv']);
    const territory = territoryOf(queryString(req, 'territory') ?? 'national');
    const by = dimensionsOf(queryString(req, 'by'), MEASURES[measure].dimensions);
    const { source } = MEASURES[measure];
    const range = source === 'facts' ? undefined : dateRange(req);
    const facts = await accessOf(res).aggregates().cells(territory, by, range ? { kind: source as 'logins' | 'occurrences', ...range } : { kind: 'facts' });
    const answer = aggregatesAnswer(measure, { territory: formatPerimeterEntry(territory), by, threshold, ...(range ?? {}) }, facts);
    const body = representation === 'csv' ? aggregatesCsv(answer) : JSON.stringify(answer);
    sendRepresentation(req, res, representation, body, `${measure}-${answer.territory.replace(/[:/+]/g, '-')}`);
  });
  return router;
}

function territoryOf(text: string): PerimeterEntry {
  try {
    return parsePerimeterEntry(text);
  } catch (error) {
    if (error instanceof PerimeterError) throw invalid('/query/territory', error.message);
    throw error;
  }
}

function dimensionsOf(text: string | undefined, allowed: readonly Dimension[]): Dimension[] {
  const by = (text ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const dimension of by) {
    if (!(DIMENSIONS as readonly string[]).includes(dimension)) throw invalid('/query/by', `"${dimension}": expected dimensions among ${DIMENSIONS.join(', ')}`);
    if (!allowed.includes(dimension as Dimension)) throw invalid('/query/by', `"${dimension}" does not split this measure: expected among ${allowed.join(', ')}`);
  }
  if (new Set(by).size !== by.length) throw invalid('/query/by', 'expected each dimension once');
  if (by.length > MAX_DIMENSIONS) throw invalid('/query/by', `expected at most ${MAX_DIMENSIONS} dimensions`);
  return by as Dimension[];
}

function invalid(pointer: string, detail: string): ValidationProblem {
  return new ValidationProblem(`${pointer} ${detail}`, [{ pointer, detail }]);
}
