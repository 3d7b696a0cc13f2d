// The aggregates feed for the ministry and its partners (aggregates.read): a measure over a territory inside the
// caller's perimeter, by up to three dimensions, every margin included, small groups suppressed; measures over
// dates optionally as a series by day, week or month; JSON or CSV.
import { Router, type Request } from 'express';
import { ValidationProblem } from '../../errors/problems.js';
import { AnswerCache } from '../../aggregates/answer-cache.js';
import { aggregatesAnswer, aggregatesCsv, type AggregatesAnswer, type AggregatesRequest } from '../../aggregates/answer.js';
import { isDated, isMeasure, isRefreshed, MEASURES, type MeasureName } from '../../aggregates/measures.js';
import { accessOf } from '../../http/context.js';
import { dateRange } from '../../http/date-range.js';
import { queryInteger, queryString } from '../../http/query.js';
import { representationOf, sendRepresentation } from '../../http/representations.js';
import { formatPerimeterEntry, parsePerimeterEntry, PerimeterError, type PerimeterEntry } from '../../perimeter/perimeter.js';
import type { Source, TerritoryAggregates } from '../../perimeter/aggregates-scope.js';
import { DIMENSIONS, PERIODS, type Dimension, type Period } from '../../store/aggregates/cells.js';

const MAX_DIMENSIONS = 3;

/** Sync health: an establishment whose last successful import is older than this many days is stale. */
export const DEFAULT_STALE_DAYS = 7;

/** The cells the answers kept in each process may hold in all (about 100 bytes each). */
const CACHED_CELLS = 500_000;

export function aggregatesRoutes(threshold: number): Router {
  const router = Router();
  const cache = new AnswerCache(CACHED_CELLS);
  router.get('/aggregates/:measure', async (req, res) => {
    const measure = String(req.params.measure);
    if (!isMeasure(measure)) throw invalid('/path/measure', `expected one of ${Object.keys(MEASURES).join(', ')}`);
    const representation = representationOf(req, ['json', 'csv']);
    const territory = territoryOf(queryString(req, 'territory') ?? 'national');
    const by = dimensionsOf(queryString(req, 'by'), MEASURES[measure].dimensions);
    const { source, request } = sourceOf(req, measure, { territory: formatPerimeterEntry(territory), by, threshold });
    const place = await accessOf(res).aggregates().of(territory);
    const answer = isRefreshed(source.kind)
      ? await cachedAnswer(cache, place, measure, request, source)
      : aggregatesAnswer(measure, request, await place.cells(by, source));
    const body = representation === 'csv' ? aggregatesCsv(answer) : JSON.stringify(answer);
    sendRepresentation(req, res, representation, body, `${measure}-${answer.territory.replace(/[:/+]/g, '-')}`);
  });
  return router;
}

/** Answers from what the aggregates refresh keeps are the same until the next refresh: computed once per refresh. */
async function cachedAnswer(cache: AnswerCache, place: TerritoryAggregates, measure: MeasureName, request: AggregatesRequest, source: Source): Promise<AggregatesAnswer> {
  // The perimeter was checked for this request (`place`), cached answer or not.
  const freshAt = await place.factsFreshAt();
  const key = AnswerCache.key({ measure, ...request, freshAt: freshAt.toISOString() });
  const cached = cache.get(key);
  if (cached) return cached;
  const answer = aggregatesAnswer(measure, request, await place.cells(request.by, source, freshAt));
  cache.set(key, answer);
  return answer;
}

/** Where the measure's numbers come from, with its dates and periods or its staleness, and what the answer repeats of them. */
function sourceOf(req: Request, measure: MeasureName, request: AggregatesRequest): { source: Source; request: AggregatesRequest } {
  const kind = MEASURES[measure].source;
  const period = queryString(req, 'period');
  if (period !== undefined && !isDated(kind)) throw invalid('/query/period', `${measure} is not measured over dates`);
  if (isDated(kind)) {
    const dates = { ...dateRange(req), ...(period ? { period: periodOf(period) } : {}) };
    return { source: { kind, ...dates }, request: { ...request, ...dates } };
  }
  if (kind === 'sync') {
    const staleDays = queryInteger(req, 'staleDays', DEFAULT_STALE_DAYS);
    return { source: { kind, staleDays }, request: { ...request, staleDays } };
  }
  return { source: { kind }, request };
}

function periodOf(text: string): Period {
  if (!(PERIODS as readonly string[]).includes(text)) throw invalid('/query/period', `expected one of ${PERIODS.join(', ')}`);
  return text as Period;
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
