// The gateway's configuration, read once from the environment and passed down; never read elsewhere.
import path from 'node:path';

export interface Config {
  /** PostgreSQL connection string; absent means the embedded default (PGlite in `dataDir`). */
  readonly databaseUrl: string | undefined;
  /** A streaming replica of that server: listings, look-ups, feeds, occupancy and aggregates read from it. */
  readonly databaseReadUrl: string | undefined;
  /** How long a read holding a cursor waits for the replica to reach it before it reads from the primary. */
  readonly databaseReadWaitMs: number;
  /** Schema to work in (tests isolate themselves this way); `public` by default. */
  readonly databaseSchema: string;
  readonly redisUrl: string | undefined;
  /** Prefix of the sync queues' keys in Redis: one per deployment sharing a Redis. */
  readonly queuePrefix: string;
  /** Sync jobs one worker process runs at once. */
  readonly workerConcurrency: number;
  /** Seconds a worker holds a job without renewing: a killed worker's job runs elsewhere after this. */
  readonly jobLockSeconds: number;
  /** Largest upload a sync job takes over HTTP, in bytes. */
  readonly maxUploadBytes: number;
  /** The most a job's archives expand to when unpacked, in bytes, and as a multiple of each archive's size. */
  readonly maxExpandedBytes: number;
  readonly maxExpansionRatio: number;
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  /** Base URL the gateway is reached at: the token issuer and every link in responses derive from it. */
  readonly publicUrl: string;
  readonly logLevel: string;
  readonly accessTokenTtlSeconds: number;
  /** Seconds that in-flight requests get to finish on SIGTERM. */
  readonly shutdownGraceSeconds: number;
  /** Loads demo data into an empty store at start (the embedded default does). */
  readonly loadDemoData: boolean;
  /** API requests a client may make per minute, across every replica; 0: no limit. */
  readonly rateLimitPerMinute: number;
  /** Origins whose pages may call the API from a browser (CORS); none by default. */
  readonly corsOrigins: readonly string[];
  /** Largest JSON body the API reads, in bytes. */
  readonly maxJsonBytes: number;
  /** The smallest group of people an aggregate's cell may describe; smaller ones are suppressed. */
  readonly aggregatesThreshold: number;
  /** Seconds between refreshes of the aggregates' facts (each process tries; one does it at a time); 0: never. */
  readonly aggregatesRefreshSeconds: number;
  /** OpenTelemetry traces, from the standard OTEL_* variables: off unless OTEL_TRACES_EXPORTER names an exporter. */
  readonly tracing: TracingConfig;
}

export const TRACE_SAMPLERS = [
  'always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio',
] as const;

export interface TracingConfig {
  /** Where finished spans go; none: tracing is off (the API's no-op tracer: nothing recorded, nothing sent). */
  readonly exporters: readonly ('otlp' | 'console')[];
  /** The URL the OTLP exporter POSTs spans to (OTLP/HTTP, JSON). */
  readonly otlpTracesUrl: string;
  /** Undefined: each process names itself (passerelle-gateway, passerelle-worker). */
  readonly serviceName: string | undefined;
  readonly sampler: (typeof TRACE_SAMPLERS)[number];
  /** The share of traces the ratio samplers keep, from 0 to 1. */
  readonly samplerRatio: number;
}

export class ConfigError extends Error {}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max} (got ${JSON.stringify(raw)})`);
  }
  return value;
}

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`${name} must be true or false (got ${JSON.stringify(raw)})`);
}

function queuePrefix(env: NodeJS.ProcessEnv): string {
  const prefix = env.QUEUE_PREFIX || 'passerelle';
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(prefix)) throw new ConfigError(`QUEUE_PREFIX must be letters, digits, '_', '.' or '-' (got ${JSON.stringify(prefix)})`);
  return prefix;
}

/** CORS_ORIGINS: a comma-separated list of origins (scheme, host and port), such as https://ent.example.fr. */
function corsOrigins(env: NodeJS.ProcessEnv): string[] {
  const raw = env.CORS_ORIGINS ?? '';
  return raw.split(',').map((s) => s.trim()).filter(Boolean).map((origin) => {
    if (!URL.canParse(origin) || new URL(origin).origin !== origin) {
      throw new ConfigError(`CORS_ORIGINS must list origins such as https://ent.example.fr, without path or trailing slash (got ${JSON.stringify(origin)})`);
    }
    return origin;
  });
}

function traceExporters(env: NodeJS.ProcessEnv): TracingConfig['exporters'] {
  if (['true', '1'].includes((env.OTEL_SDK_DISABLED ?? '').toLowerCase())) return [];
  const names = (env.OTEL_TRACES_EXPORTER || 'none').split(',').map((name) => name.trim().toLowerCase()).filter(Boolean);
  if (names.some((name) => !['otlp', 'console', 'none'].includes(name))) {
    throw new ConfigError(`OTEL_TRACES_EXPORTER must be otlp, console or none, or a comma-separated list of them (got ${JSON.stringify(env.OTEL_TRACES_EXPORTER)})`);
  }
  return names.includes('none') ? [] : [...new Set(names as ('otlp' | 'console')[])];
}

/** As the OTLP specification says: the traces endpoint is taken as given, the general one is a base for /v1/traces. */
function otlpTracesUrl(env: NodeJS.ProcessEnv): string {
  const [name, raw] = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
    ? ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT]
    : ['OTEL_EXPORTER_OTLP_ENDPOINT', env.OTEL_EXPORTER_OTLP_ENDPOINT || 'http://localhost:4318'];
  if (!URL.canParse(raw) || !['http:', 'https:'].includes(new URL(raw).protocol)) {
    throw new ConfigError(`${name} must be an http:// or https:// URL (got ${JSON.stringify(raw)})`);
  }
  return name === 'OTEL_EXPORTER_OTLP_ENDPOINT' ? `${raw.replace(/\/+$/, '')}/v1/traces` : raw;
}

function tracing(env: NodeJS.ProcessEnv): TracingConfig {
  const sampler = (env.OTEL_TRACES_SAMPLER || 'parentbased_always_on').toLowerCase();
  if (!(TRACE_SAMPLERS as readonly string[]).includes(sampler)) {
    throw new ConfigError(`OTEL_TRACES_SAMPLER must be one of ${TRACE_SAMPLERS.join(', ')} (got ${JSON.stringify(env.OTEL_TRACES_SAMPLER)})`);
  }
  const ratio = env.OTEL_TRACES_SAMPLER_ARG ? Number(env.OTEL_TRACES_SAMPLER_ARG) : 1;
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
    throw new ConfigError(`OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1 (got ${JSON.stringify(env.OTEL_TRACES_SAMPLER_ARG)})`);
  }
  return Object.freeze({
    exporters: traceExporters(env),
    otlpTracesUrl: otlpTracesUrl(env),
    serviceName: env.OTEL_SERVICE_NAME?.trim() || undefined,
    sampler: sampler as TracingConfig['sampler'],
    samplerRatio: ratio,
  });
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = integer(env, 'PORT', 8080, 0, 65535);
  const host = env.HOST || '127.0.0.1';
  const databaseUrl = env.DATABASE_URL || undefined;
  const databaseSchema = env.DATABASE_SCHEMA || 'public';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(databaseSchema)) {
    throw new ConfigError(`DATABASE_SCHEMA must be a lower-case SQL identifier (got ${JSON.stringify(databaseSchema)})`);
  }
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must be a postgres:// or postgresql:// URL');
  }
  const databaseReadUrl = env.DATABASE_READ_URL || undefined;
  if (databaseReadUrl && !/^postgres(ql)?:\/\//.test(databaseReadUrl)) {
    throw new ConfigError('DATABASE_READ_URL must be a postgres:// or postgresql:// URL');
  }
  if (databaseReadUrl && !databaseUrl) throw new ConfigError('DATABASE_READ_URL names a replica of DATABASE_URL\'s server: set DATABASE_URL too');
  const redisUrl = env.REDIS_URL || undefined;
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) throw new ConfigError('REDIS_URL must be a redis:// or rediss:// URL');
  const publicUrl = (env.PUBLIC_URL || `http://localhost:${port}`).replace(/\/+$/, '');
  try {
    new URL(publicUrl);
  } catch {
    throw new ConfigError(`PUBLIC_URL must be an absolute URL (got ${JSON.stringify(publicUrl)})`);
  }
  return Object.freeze({
    databaseUrl,
    databaseReadUrl,
    databaseReadWaitMs: integer(env, 'DATABASE_READ_WAIT_MS', 1000, 0, 30_000),
    databaseSchema,
    redisUrl,
    queuePrefix: queuePrefix(env),
    workerConcurrency: integer(env, 'WORKER_CONCURRENCY', 2, 1, 64),
    jobLockSeconds: integer(env, 'JOB_LOCK_SECONDS', 30, 1, 3600),
    maxUploadBytes: integer(env, 'MAX_UPLOAD_MB', 2048, 1, 1_000_000) * 1024 * 1024,
    maxExpandedBytes: integer(env, 'MAX_EXPANDED_MB', 4096, 1, 1_000_000) * 1024 * 1024,
    maxExpansionRatio: integer(env, 'MAX_EXPANSION_RATIO', 100, 1, 100_000),
    dataDir: path.resolve(env.PASSERELLE_DATA_DIR || 'data'),
    host,
    port,
    publicUrl,
    logLevel: env.LOG_LEVEL || 'info',
    accessTokenTtlSeconds: integer(env, 'ACCESS_TOKEN_TTL', 300, 30, 3600),
    shutdownGraceSeconds: integer(env, 'SHUTDOWN_GRACE', 10, 0, 300),
    loadDemoData: flag(env, 'DEMO_DATA', !databaseUrl),
    rateLimitPerMinute: integer(env, 'RATE_LIMIT_PER_MINUTE', 6000, 0, 10_000_000),
    corsOrigins: corsOrigins(env),
    maxJsonBytes: integer(env, 'MAX_JSON_MB', 25, 1, 1024) * 1024 * 1024,
    aggregatesThreshold: integer(env, 'AGGREGATES_THRESHOLD', 10, 1, 1000),
    aggregatesRefreshSeconds: integer(env, 'AGGREGATES_REFRESH_SECONDS', 300, 0, 86_400),
    tracing: tracing(env),
  });
}
