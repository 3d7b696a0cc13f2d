// The sync configuration: scheduled pulls of exports and pushes of produced files, per establishment or
// territory, read once at start from the YAML file PASSERELLE_SYNC_CONFIG names. The file is checked against
// schemas/config/sync-config.schema.json, then for what a schema cannot say (scopes, schedules, URLs); secrets
// are read from the environment variables or files it refers to, so the file itself holds none.
// deploy/sync-config.example.yaml shows every key.
import { parsePerimeterEntry, type PerimeterEntry } from '../perimeter/perimeter.js';
import { webhookUrlProblem, type DestinationSpec, type SftpConnection, type SourceSpec } from './endpoint-specs.js';
import { ConfigFileError, readConfigFile, YamlConfigReader, type Path, type SecretRef } from './yaml-config.js';

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

/** A mistake in the sync configuration file, named by file, line and key. */
export class SyncConfigError extends ConfigFileError {
  override readonly name = 'SyncConfigError';
}

const ENV_VARIABLE = 'PASSERELLE_SYNC_CONFIG';
const DEFAULT_TIMEZONE = 'Europe/Paris';

/** The configuration PASSERELLE_SYNC_CONFIG names, or undefined when it names none (no scheduled sync). */
export function loadSyncConfig(env: NodeJS.ProcessEnv = process.env, options: SyncConfigOptions = {}): SyncConfig | undefined {
  const name = env[ENV_VARIABLE];
  if (!name) return undefined;
  const { file, text } = readConfigFile(ENV_VARIABLE, name);
  return parseSyncConfig(text, file, env, options);
}

/** Parses the text of a configuration file; `file` names it in errors and anchors its relative paths. */
export function parseSyncConfig(text: string, file: string, env: NodeJS.ProcessEnv, options: SyncConfigOptions = {}): SyncConfig {
  const reader = new Reader(text, file, env);
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

class Reader extends YamlConfigReader<RawConfig> {
  constructor(text: string, file: string, env: NodeJS.ProcessEnv) {
    super(text, file, env, { schema: 'sync-config.schema.json', error: SyncConfigError });
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
