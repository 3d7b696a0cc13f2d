// A kysely driver that makes each SQL statement a span (OpenTelemetry, `db.system.name` postgresql), a child of
// the span that runs it: a request's, a job's. The span holds the statement's text as sent, with its `$n`
// placeholders: parameter values, which hold personal data, are never recorded. A statement run outside any span
// (timers, probes, the migrator) makes none: it would be a trace of one span, noise; with tracing off, no span
// is ever active and each statement costs one look-up.
import { context, SpanKind, trace } from '@opentelemetry/api';
import { ATTR_DB_OPERATION_NAME, ATTR_DB_QUERY_TEXT, ATTR_DB_SYSTEM_NAME, DB_SYSTEM_NAME_VALUE_POSTGRESQL } from '@opentelemetry/semantic-conventions';
import type { CompiledQuery, DatabaseConnection, Driver, QueryCompiler, QueryResult, TransactionSettings } from 'kysely';
import { recordFailure, tracer } from '../observability/spans.js';

type CompileQuery = QueryCompiler['compileQuery'];

class TracedConnection implements DatabaseConnection {
  constructor(readonly inner: DatabaseConnection) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const parent = context.active();
    if (!trace.getSpan(parent)) return this.inner.executeQuery<R>(query);
    const operation = /^\s*([A-Za-z]+)/.exec(query.sql)?.[1]?.toUpperCase() ?? 'SQL';
    const span = tracer().startSpan(operation, {
      kind: SpanKind.CLIENT,
      attributes: {
        [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_NAME_VALUE_POSTGRESQL,
        // The name before semantic conventions 1.26, which some tracing back ends still group database spans by.
        'db.system': DB_SYSTEM_NAME_VALUE_POSTGRESQL,
        [ATTR_DB_OPERATION_NAME]: operation,
        [ATTR_DB_QUERY_TEXT]: query.sql,
      },
    }, parent);
    try {
      return await this.inner.executeQuery<R>(query);
    } catch (error) {
      recordFailure(span, error);
      throw error;
    } finally {
      span.end();
    }
  }

  // The store configures no cursor, so kysely streams nothing; were it to, the statement would run untraced.
  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}

/** Wraps the connections another driver (PostgreSQL's) hands out; transactions' statements are spans too. */
export class TracedDriver implements Driver {
  constructor(private readonly inner: Required<Driver>) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return new TracedConnection(await this.inner.acquireConnection());
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.inner.beginTransaction(connection, settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(connection);
  }

  savepoint(connection: DatabaseConnection, name: string, compileQuery: CompileQuery): Promise<void> {
    return this.inner.savepoint(connection, name, compileQuery);
  }

  rollbackToSavepoint(connection: DatabaseConnection, name: string, compileQuery: CompileQuery): Promise<void> {
    return this.inner.rollbackToSavepoint(connection, name, compileQuery);
  }

  releaseSavepoint(connection: DatabaseConnection, name: string, compileQuery: CompileQuery): Promise<void> {
    return this.inner.releaseSavepoint(connection, name, compileQuery);
  }

  /** The wrapped driver releases its own connection object (kysely's PostgreSQL driver keys it privately). */
  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection((connection as TracedConnection).inner);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}
