// Domain errors carry what their HTTP answer says: the status, kind, wording and fields routes used to build by
// hand, and still the members importers read.
import { describe, expect, it } from 'vitest';
import { ClientError } from '../../gateway/auth/clients.js';
import { CursorAhead } from '../../gateway/store/reads/cursor-ahead.js';
import { parsePerimeter } from '../../gateway/perimeter/perimeter.js';
import { IdempotencyConflict, JobStateConflict } from '../../gateway/store/job-errors.js';
import type { SyncJobRow } from '../../gateway/store/tables.js';
import {
  BatchRejected, EstablishmentOutsidePerimeter, EstablishmentRejected, ImportHeld, UnknownEstablishment,
} from '../../gateway/store/write-errors.js';

const problem = (error: { status: number; type: string; detail: string; errors: readonly unknown[] }) =>
  ({ status: error.status, type: error.type, detail: error.detail, errors: error.errors });

describe('the store\'s write errors', () => {
  it('BatchRejected: a 400 counting the refused records, each field in errors, leftOut with the dependents', () => {
    const error = new BatchRejected([
      { index: 1, pointer: '/records/1/record/ine', detail: 'must be an INE' },
      { index: 1, pointer: '/records/1/record/birthDate', detail: 'must be a date' },
      { index: 4, pointer: '/records/4/record/groupId', detail: 'must name a group' },
    ], [5]);
    expect(problem(error)).toEqual({
      status: 400, type: 'validation',
      detail: '2 invalid record(s), nothing was written: /records/1/record/ine must be an INE; /records/1/record/birthDate must be a date; /records/4/record/groupId must name a group',
      errors: [
        { pointer: '/records/1/record/ine', detail: 'must be an INE' },
        { pointer: '/records/1/record/birthDate', detail: 'must be a date' },
        { pointer: '/records/4/record/groupId', detail: 'must name a group' },
      ],
    });
    expect(error.problems).toHaveLength(3);
    expect([...error.leftOut].sort()).toEqual([1, 4, 5]);
  });

  it('UnknownEstablishment: a 404 worded as one outside the perimeter', () => {
    expect(problem(new UnknownEstablishment('0690001B'))).toEqual({ status: 404, type: 'not-found', detail: 'no establishment 0690001B in your perimeter', errors: [] });
  });

  it('EstablishmentOutsidePerimeter: stored is a 404 as missing, written a 403 naming the writer\'s perimeter', () => {
    const perimeter = parsePerimeter(['departement:069', 'uai:0750655E']);
    expect(problem(new EstablishmentOutsidePerimeter('0010001W', 'stored', perimeter)))
      .toEqual({ status: 404, type: 'not-found', detail: 'no establishment 0010001W in your perimeter', errors: [] });
    const written = new EstablishmentOutsidePerimeter('0010001W', 'written', perimeter);
    expect(problem(written)).toEqual({
      status: 403, type: 'outside-perimeter', errors: [],
      detail: 'establishment 0010001W would not be inside your perimeter (departement:069, uai:0750655E)',
    });
    expect([written.uai, written.where]).toEqual(['0010001W', 'written']);
    expect(new EstablishmentOutsidePerimeter('0010001W', 'written', []).detail).toMatch(/\(empty\)$/);
  });

  it('EstablishmentRejected: a 400 naming the body\'s fields, its problems kept as the store gave them', () => {
    const error = new EstablishmentRejected([{ pointer: '/academieCode', detail: 'is required' }]);
    expect(problem(error)).toEqual({
      status: 400, type: 'validation', detail: '/body/academieCode is required', errors: [{ pointer: '/body/academieCode', detail: 'is required' }],
    });
    expect(error.problems).toEqual([{ pointer: '/academieCode', detail: 'is required' }]);
  });

  it('ImportHeld: a 409 import-held with the counts', () => {
    const error = new ImportHeld('0690001B', 30, 100);
    expect(problem(error)).toMatchObject({ status: 409, type: 'import-held' });
    expect([error.deletions, error.total]).toEqual([30, 100]);
  });
});

describe('the other domain errors', () => {
  const job = { id: 'c3d6a3a4-5f5e-4f55-9b0e-0c8f1b9e2a11', state: 'running' } as SyncJobRow;

  it('CursorAhead: a 400 on /query/since', () => {
    expect(problem(new CursorAhead())).toEqual({
      status: 400, type: 'validation', detail: '/query/since is ahead of this gateway\'s change log: it was not issued here',
      errors: [{ pointer: '/query/since', detail: 'must be a cursor issued by this gateway' }],
    });
  });

  it('job conflicts: 409, the state one as conflict, the idempotency one naming the first job', () => {
    expect(problem(new JobStateConflict(job, 'confirmed', ['held']))).toEqual({
      status: 409, type: 'conflict', errors: [], detail: `job ${job.id} is running: only a job that is held can be confirmed`,
    });
    expect(problem(new IdempotencyConflict(job))).toMatchObject({ status: 409, type: 'idempotency-key-reused' });
    expect(new IdempotencyConflict(job).detail).toContain(`job ${job.id}`);
  });

  it('ClientError: 404 when missing, 409 when revoked or about the id, else a 400 naming the body\'s field', () => {
    expect(problem(new ClientError('no client with id x', { reason: 'not-found', field: 'clientId' }))).toMatchObject({ status: 404, type: 'not-found', errors: [] });
    expect(problem(new ClientError('client x is revoked', { reason: 'revoked', field: 'clientId' }))).toMatchObject({ status: 409, type: 'conflict', errors: [] });
    expect(problem(new ClientError('x has no secret', { field: 'clientId' }))).toMatchObject({ status: 409, type: 'conflict' });
    expect(problem(new ClientError('name: expected a non-empty name', { field: 'name' }))).toEqual({
      status: 400, type: 'validation', detail: 'name: expected a non-empty name', errors: [{ pointer: '/body/name', detail: 'name: expected a non-empty name' }],
    });
  });
});
