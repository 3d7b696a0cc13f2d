// The sync configuration: scheduled pulls of exports and pushes of produced files, per establishment or
// territory, read once at start from the YAML file PASSERELLE_SYNC_CONFIG names. The file is checked against
// schemas/config/sync-config.schema.json, then for what a schema cannot say (scopes, schedules, URLs); secrets
// are read from the environment variables or files it refers to, so the file itself holds none.
// deploy/sync-config.example.yaml shows every key.
import fs from 'node:fs';
import path from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { projectFolder } from '../model/project-folder.js';
import { parsePerimeterEntry, type PerimeterEntry } from '../perimeter/perimeter.js';
import { webhookUrlProblem, type DestinationSpec, type SftpConnection, type SourceSpec } from './endpoint-specs.js';
import { ConfigError } from './config.js';

/** `interval` maps to BullMQ's `repeat.every`, `cron` to `repeat.pattern` and `repeat.tz`. */
export type Schedule =
  | { kind: 'interval'; milliseconds: number }
  | { kind: 'cron'; expression: string; timezone: string };

export interface PullConfig {
  readonly id: string;
  readonly for: PerimeterEntry;
  /** An importer's name (gateway/sync/importers.ts). */
  readonly connector: string;
  readonly mode: 'complete' | 'delta';
  readonly schedule: Schedule;
  readonly source: SourceSpec;
}

export interface PushConfig {
  readonly id: string;
  readonly for: PerimeterEntry;
  /** The export whose files are pushed, such as `gar`. */
  readonly connector: string;
  /** Absent: pushed when an export is run, not on a schedule of its own. */
  readonly schedule: Schedule | undefined;
  readonly destination: DestinationSpec;
  /** Ids of broader pushes this one stands in for, for the establishments it covers. */
  readonly replaces: readonly string[];
}

export interface SyncConfig {
  /** The file it was read from, absolute. */
  readonly file: string;
  readonly pulls: readonly PullConfig[];
  readonly pushes: readonly PushConfig[];
}

export interface SyncConfigOptions {
  /** The connector names the gateway knows; when given, any other name is refused at load. */
  connectors?: { pull?: readonly string[]; push?: readonly string[] };
}

export class SyncConfigError extends ConfigError {
  constructor(
    readonly file: string,
    /** Where in the file, as `pulls[0].source.port`; empty for the file as a whole. */
    readonly at: string,
    readonly line: number | undefined,
    readonly problem: string,
  ) {
    super(`${file}${line ? `:${line}` : ''}: ${at ? `${at}: ` : ''}${problem}`);
    this.name = 'SyncConfigError';
  }
}

const ENV_VARIABLE = 'PASSERELLE_SYNC_CONFIG';
const DEFAULT_TIMEZONE = 'Europe/Paris';

/** The configuration PASSERELLE_SYNC_CONFIG names, or undefined when it names none (no scheduled sync). */
export function loadSyncConfig(env: NodeJS.ProcessEnv = process.env, options: SyncConfigOptions = {}): SyncConfig | undefined {
  const name = env[ENV_VARIABLE];
  if (!name) return undefined;
  const file = path.resolve(name);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`${ENV_VARIABLE} names ${file}, which cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return parseSyncConfig(text, file, env, options);
}

/** Parses the text of a configuration file; `file` names it in errors and anchors its relative paths. */
export function parseSyncConfig(text: string, file: string, env: NodeJS.ProcessEnv, options: SyncConfigOptions = {}): SyncConfig {
  const reader = new Reader(text, path.resolve(file), env);
  const raw = reader.data;
  const pullIds = new Set<string>();
  const pushIds = new Set<string>();
  const pulls = (raw.pulls ?? []).map((pull, i): PullConfig => Object.freeze({
    id: reader.unique(pull.id, ['pulls', i, 'id'], pullIds),
    for: reader.scope(pull.for, ['pulls', i, 'for']),
    connector: reader.connector(pull.connector, options.connectors?.pull, ['pulls', i, 'connector']),
    mode: pull.mode,
    schedule: reader.schedule(pull.schedule, pull.timezone, ['pulls', i]),
    source: reader.source(pull.source, ['pulls', i, 'source']),
  }));
  const pushes = (raw.pushes ?? []).map((push, i): PushConfig => Object.freeze({
    id: reader.unique(push.id, ['pushes', i, 'id'], pushIds),
    for: reader.scope(push.for, ['pushes', i, 'for']),
    connector: reader.connector(push.connector, options.connectors?.push, ['pushes', i, 'connector']),
    schedule: push.schedule === undefined ? undefined : reader.schedule(push.schedule, push.timezone, ['pushes', i]),
    destination: reader.destination(push.destination, ['pushes', i, 'destination']),
    replaces: Object.freeze(push.replaces ?? []),
  }));
  (raw.pushes ?? []).forEach((push, i) => reader.replacements(push.replaces ?? [], push.connector, pushes, ['pushes', i, 'replaces']));
  return Object.freeze({ file: reader.file, pulls: Object.freeze(pulls), pushes: Object.freeze(pushes) });
}

/** Where an establishment is: its UAI and the codes of the territories it belongs to. */
export interface EstablishmentPlace {
  uai: string;
  communeCode?: string | null;
  departementCode?: string | null;
  regionCode?: string | null;
  academieCode?: string | null;
}

function covers(entry: PerimeterEntry, place: EstablishmentPlace): boolean {
  switch (entry.kind) {
    case 'national': return true;
    case 'uai': return entry.code === place.uai.toUpperCase();
    case 'commune': return entry.code === place.communeCode?.toUpperCase();
    case 'departement': return entry.code === place.departementCode?.toUpperCase();
    case 'academie': return entry.code === place.academieCode;
    case 'region': return entry.code === place.regionCode;
  }
}

/**
 * The pushes that apply to an establishment, optionally for one connector: every push whose scope covers it,
 * except those another covering push `replaces`. Adding is the default so that a département's notification
 * webhook never silently takes the place of its académie's GAR delivery; replacing is always spelt out.
 */
export function destinationsFor(config: SyncConfig, place: EstablishmentPlace, connector?: string): PushConfig[] {
  const covering = config.pushes.filter((push) => (connector === undefined || push.connector === connector) && covers(push.for, place));
  const replaced = new Set(config.pushes.filter((push) => covers(push.for, place)).flatMap((push) => push.replaces));
  return covering.filter((push) => !replaced.has(push.id));
}

// --- reading ---

type Path = Array<string | number>;
type SecretRef = { env: string } | { file: string };
type RawConnection = {
  host: string; port?: number; username: string; hostKeyFingerprint: string | string[];
  privateKey?: SecretRef; passphrase?: SecretRef; password?: SecretRef; connectTimeoutSeconds?: number;
};
type RawSelection = { pattern: string | string[]; doneFolder?: string; settleSeconds?: number };
type RawSource = ({ kind: 'folder'; path: string } & RawSelection) | ({ kind: 'sftp'; path: string } & RawSelection & RawConnection);
type RawDestination =
  | { kind: 'folder'; path: string }
  | ({ kind: 'sftp'; path: string } & RawConnection)
  | { kind: 'webhook'; url: string; secret: SecretRef; timeoutSeconds?: number; attempts?: number; firstRetryDelaySeconds?: number };
type RawScheduled = { id: string; for: string; connector: string; schedule: string; timezone?: string };
type RawConfig = {
  version: 1;
  pulls?: Array<RawScheduled & { mode: 'complete' | 'delta'; source: RawSource }>;
  pushes?: Array<Omit<RawScheduled, 'schedule'> & { schedule?: string; destination: RawDestination; replaces?: string[] }>;
};

let schema: { root: Record<string, any>; validate: ValidateFunction } | undefined;

function compiledSchema(): NonNullable<typeof schema> {
  if (schema) return schema;
  const root = JSON.parse(fs.readFileSync(path.join(projectFolder('schemas', 'common.schema.json'), 'config', 'sync-config.schema.json'), 'utf8'));
  const ajv = new Ajv2020({ strict: true, strictRequired: false, allowUnionTypes: true, discriminator: true, verbose: true, allErrors: false });
  // A sentence for people, shown instead of ajv's wording where the schema has one.
  ajv.addKeyword({ keyword: 'expected', schemaType: 'string' });
  schema = { root, validate: ajv.compile(root) };
  return schema;
}

const TYPE_NAMES: Record<string, string> = {
  object: 'a mapping of keys', array: 'a list', string: 'a string', integer: 'a whole number', number: 'a number', boolean: 'true or false',
};

function displayPath(at: Path): string {
  return at.map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`)).join('');
}

class Reader {
  readonly data: RawConfig;
  private readonly document: Document;
  private readonly lines = new LineCounter();

  constructor(text: string, readonly file: string, private readonly env: NodeJS.ProcessEnv) {
    this.document = parseDocument(text, { lineCounter: this.lines, uniqueKeys: true, prettyErrors: true });
    const syntax = this.document.errors[0];
    if (syntax) {
      throw new SyncConfigError(file, '', syntax.linePos?.[0].line, `expected well-formed YAML: ${syntax.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`);
    }
    const data: unknown = this.document.toJS({ maxAliasCount: 100 });
    const { root, validate } = compiledSchema();
    if (!validate(data)) this.schemaFailure(validate.errors![0], root);
    this.data = data as RawConfig;
  }

  fail(at: Path, problem: string): never {
    throw new SyncConfigError(this.file, displayPath(at), this.lineOf(at), problem);
  }

  private lineOf(at: Path): number | undefined {
    for (let depth = at.length; depth >= 0; depth -= 1) {
      const node = depth === 0 ? this.document.contents : this.document.getIn(at.slice(0, depth), true);
      const offset = (node as { range?: [number, number, number] } | null | undefined)?.range?.[0];
      if (offset !== undefined) return this.lines.linePos(offset).line;
    }
    return undefined;
  }

  private schemaFailure(error: ErrorObject, root: Record<string, any>): never {
    const at: Path = error.instancePath.split('/').slice(1).map((part) => {
      const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
      return /^\d+$/.test(key) ? Number(key) : key;
    });
    const params = error.params as Record<string, any>;
    switch (error.keyword) {
      case 'required':
        return this.fail(at, `expected a key ${params.missingProperty}`);
      case 'additionalProperties':
        return this.fail([...at, params.additionalProperty], `unknown key ${params.additionalProperty}: expected one of ${Object.keys(error.parentSchema?.properties ?? {}).join(', ')}`);
      case 'unevaluatedProperties':
        return this.fail([...at, params.unevaluatedProperty], `unknown key ${params.unevaluatedProperty} for this kind`);
      case 'discriminator': {
        const kinds = (error.parentSchema?.oneOf as Array<{ $ref: string }>).map(({ $ref }) => root.$defs[$ref.split('/').pop()!].properties.kind.const);
        return this.fail([...at, 'kind'], `expected kind ${kinds.join(', ').replace(/, ([^,]+)$/, ' or $1')}`);
      }
    }
    const annotated = (error.parentSchema as { expected?: string } | undefined)?.expected;
    if (annotated) return this.fail(at, `expected ${annotated}`);
    switch (error.keyword) {
      case 'type': return this.fail(at, `expected ${String(params.type).split(',').map((t) => TYPE_NAMES[t] ?? t).join(' or ')}`);
      case 'enum': return this.fail(at, `expected one of ${(params.allowedValues as unknown[]).join(', ')}`);
      case 'const': return this.fail(at, `expected ${JSON.stringify(params.allowedValue)}`);
      case 'minimum': case 'maximum': case 'exclusiveMinimum': case 'exclusiveMaximum':
        return this.fail(at, `expected a number ${params.comparison} ${params.limit}`);
      default: return this.fail(at, `expected a value that ${error.message?.replace(/^must/, 'does')}`);
    }
  }

  unique(id: string, at: Path, seen: Set<string>): string {
    if (seen.has(id)) this.fail(at, `expected an id used once (${id} is already taken)`);
    seen.add(id);
    return id;
  }

  scope(text: string, at: Path): PerimeterEntry {
    try {
      return parsePerimeterEntry(text);
    } catch (error) {
      return this.fail(at, (error as Error).message.replace(/^perimeter entry /, ''));
    }
  }

  replacements(ids: readonly string[], connector: string, pushes: readonly PushConfig[], at: Path): void {
    ids.forEach((id, i) => {
      const replaced = pushes.find((push) => push.id === id);
      if (!replaced) this.fail([...at, i], `expected the id of another push (there is no push ${id})`);
      if (replaced.connector !== connector) this.fail([...at, i], `expected a push of the same connector, ${connector} (${id} pushes ${replaced.connector})`);
    });
  }

  connector(name: string, known: readonly string[] | undefined, at: Path): string {
    if (known && !known.includes(name)) this.fail(at, `expected one of the connectors ${known.join(', ')} (got ${name})`);
    return name;
  }

  schedule(text: string, timezone: string | undefined, at: Path): Schedule {
    const interval = /^(\d+)\s*([smhd])$/.exec(text.trim());
    if (interval) {
      const milliseconds = Number(interval[1]) * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[interval[2] as 's' | 'm' | 'h' | 'd'];
      // More often would only load the servers exports are pulled from.
      if (milliseconds < 60_000) this.fail([...at, 'schedule'], 'expected an interval of at least 1m');
      if (timezone !== undefined) this.fail([...at, 'timezone'], 'expected no timezone with an interval: it applies to cron schedules only');
      return { kind: 'interval', milliseconds };
    }
    const problem = cronProblem(text);
    if (problem) this.fail([...at, 'schedule'], `expected an interval such as 15m, 1h or 1d, or a cron expression of 5 fields: ${problem}`);
    const zone = timezone ?? DEFAULT_TIMEZONE;
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
    } catch {
      this.fail([...at, 'timezone'], `expected an IANA time zone such as Europe/Paris (got ${zone})`);
    }
    return { kind: 'cron', expression: text.trim().split(/\s+/).join(' '), timezone: zone };
  }

  private path(folder: string): string {
    return path.resolve(path.dirname(this.file), folder);
  }

  private secret(ref: SecretRef, at: Path, kind: 'key' | 'text'): string {
    let value: string;
    if ('env' in ref) {
      const set = this.env[ref.env];
      if (!set) this.fail(at, `expected the environment variable ${ref.env} to hold this secret (it is not set)`);
      value = set;
    } else {
      const file = this.path(ref.file);
      try {
        value = fs.readFileSync(file, 'utf8');
      } catch (error) {
        return this.fail(at, `expected a readable file ${file} holding this secret (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
      }
    }
    // Secret files and variables often end with a newline that is not part of a password.
    return kind === 'key' ? value : value.replace(/\r?\n$/, '');
  }

  private connection(raw: RawConnection, at: Path): SftpConnection {
    if (!raw.privateKey && !raw.password) this.fail(at, 'expected privateKey or password (or both)');
    return {
      host: raw.host,
      port: raw.port ?? 22,
      username: raw.username,
      hostKeyFingerprints: typeof raw.hostKeyFingerprint === 'string' ? [raw.hostKeyFingerprint] : raw.hostKeyFingerprint,
      privateKey: raw.privateKey && this.secret(raw.privateKey, [...at, 'privateKey'], 'key'),
      passphrase: raw.passphrase && this.secret(raw.passphrase, [...at, 'passphrase'], 'text'),
      password: raw.password && this.secret(raw.password, [...at, 'password'], 'text'),
      connectTimeoutSeconds: raw.connectTimeoutSeconds,
    };
  }

  source(raw: RawSource, at: Path): SourceSpec {
    const selection = {
      patterns: typeof raw.pattern === 'string' ? [raw.pattern] : raw.pattern,
      doneFolder: raw.doneFolder ?? 'done',
      settleSeconds: raw.settleSeconds ?? 60,
    };
    if (raw.kind === 'folder') return { kind: 'folder', path: this.path(raw.path), ...selection };
    return { kind: 'sftp', ...this.connection(raw, at), path: raw.path, ...selection };
  }

  destination(raw: RawDestination, at: Path): DestinationSpec {
    switch (raw.kind) {
      case 'folder':
        return { kind: 'folder', path: this.path(raw.path) };
      case 'sftp':
        return { kind: 'sftp', ...this.connection(raw, at), path: raw.path };
      case 'webhook': {
        const problem = webhookUrlProblem(raw.url);
        if (problem) this.fail([...at, 'url'], `expected ${problem}`);
        const secret = this.secret(raw.secret, [...at, 'secret'], 'text');
        if (secret.length < 16) this.fail([...at, 'secret'], 'expected a secret of at least 16 characters');
        return {
          kind: 'webhook', url: raw.url, secret,
          timeoutSeconds: raw.timeoutSeconds, attempts: raw.attempts, firstRetryDelaySeconds: raw.firstRetryDelaySeconds,
        };
      }
    }
  }
}

const CRON_FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day of week', min: 0, max: 7 },
];

/** What is wrong with a 5-field numeric cron expression, or undefined. */
function cronProblem(text: string): string | undefined {
  const fields = text.trim().split(/\s+/);
  if (fields.length !== 5) return `got ${fields.length} field${fields.length === 1 ? '' : 's'}`;
  for (const [i, field] of fields.entries()) {
    const { name, min, max } = CRON_FIELDS[i];
    for (const item of field.split(',')) {
      const parts = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(item);
      const numbers = parts ? [parts[2], parts[3]].filter((n) => n !== undefined).map(Number) : [];
      const bad = !parts || numbers.some((n) => n < min || n > max) || (numbers.length === 2 && numbers[0] > numbers[1]) || parts[4] === '0';
      if (bad) return `the ${name} field ${JSON.stringify(field)} is not *, a number from ${min} to ${max}, a range or a list of them (with an optional /step)`;
    }
  }
  return undefined;
}
