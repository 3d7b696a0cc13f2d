// Row types of every table, in kysely's naming: `XTable` for the shape, `X`/`NewX`/`XUpdate` derived.
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

type Json = ColumnType<unknown, string, string>;
/** int8 comes back from pg as a string: kept as such so no precision is lost. */
type Int8 = ColumnType<string, string | number | bigint, string | number | bigint>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** A timestamp the database fills in by default. */
type DefaultedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface EstablishmentTable {
  id: string;
  uai: string;
  status: 'active' | 'deleted';
  name: string;
  type: string;
  sector: string;
  /** Null until the national directory (or a postal address) tells it. */
  commune_code: string | null;
  departement_code: string | null;
  region_code: string;
  academie_code: string;
  source_ids: Json;
  data: Json;
  /** The record rendered as JSON text, in full and without identifying fields (null when none). */
  body: string;
  body_minimal: string | null;
  updated_at: Timestamp;
  seq: Int8;
}

/** Every record that belongs to one establishment (people, groups, memberships…), one row each. */
export interface RosterRecordTable {
  id: string;
  entity: string;
  uai: string;
  /** Person kind or group kind, the one column the feeds filter on besides links. */
  kind: string | null;
  status: 'active' | 'deleted';
  source_ids: Json;
  data: Json;
  /** The record rendered as JSON text, in full and without identifying fields (null when none). */
  body: string;
  body_minimal: string | null;
  updated_at: Timestamp;
  seq: Int8;
}

/** Which record a source's identifier designates, per establishment and entity: unique, for matching. */
export interface SourceKeyTable {
  uai: string;
  entity: string;
  source: string;
  source_id: string;
  record_id: string;
}

/** One row per change, in commit order (see changelog.ts for why the order holds). */
export interface ChangeLogTable {
  seq: Int8;
  entity: string;
  record_id: string;
  /** The establishment of the record, or else (`territory`) the territory or `national` it belongs to. */
  uai: string | null;
  territory: ColumnType<string | null, string | null | undefined, string | null>;
  op: 'upsert' | 'delete';
  changed_at: Timestamp;
}

/** Records of a territory (`zone:A`, `region:84`) or of the nation (`national`): no establishment's. */
export interface SharedRecordTable extends Omit<RosterRecordTable, 'uai' | 'kind'> {
  territory: string;
}

export interface ChangeCounterTable {
  id: number;
  seq: Int8;
}

/** The territory each establishment had from a sequence number on, so perimeters can be evaluated in the past. */
export interface EstablishmentTerritoryTable {
  uai: string;
  seq: Int8;
  status: 'active' | 'deleted';
  /** Null until the national directory (or a postal address) tells it. */
  commune_code: string | null;
  departement_code: string | null;
  region_code: string;
  academie_code: string;
  /** Its type then: a perimeter may cover some types only (a département's collèges). */
  type: string | null;
}

export interface ApiClientTable {
  client_id: string;
  name: string;
  scopes: string[];
  perimeter: string[];
  auth_method: 'client_secret_basic' | 'private_key_jwt' | 'none';
  secret_hash: string | null;
  jwks: Json | null;
  status: 'active' | 'revoked';
  created_at: DefaultedTimestamp;
  updated_at: DefaultedTimestamp;
  /** `api`: calls the API with client credentials; `relying-party`: logs people in through the gateway's SSO. */
  kind: ColumnType<'api' | 'relying-party', 'api' | 'relying-party' | undefined, 'api' | 'relying-party'>;
  redirect_uris: ColumnType<string[], string[] | undefined, string[]>;
  post_logout_redirect_uris: ColumnType<string[], string[] | undefined, string[]>;
  backchannel_logout_uri: ColumnType<string | null, string | null | undefined, string | null>;
  refresh_tokens: ColumnType<boolean, boolean | undefined, boolean>;
  /** A relying party that receives every role of a person with several (teacher and parent…) in one login. */
  all_roles: ColumnType<boolean, boolean | undefined, boolean>;
}

/** A client's perimeter from a sequence number on, so its change feed can announce what entered and left. */
export interface ClientPerimeterVersionTable {
  client_id: string;
  seq: Int8;
  perimeter: string[];
}

export interface OidcPayloadTable {
  model: string;
  id: string;
  payload: Json;
  grant_id: string | null;
  user_code: string | null;
  uid: string | null;
  expires_at: Timestamp | null;
  consumed_at: Timestamp | null;
}

export interface SigningKeyTable {
  kid: string;
  alg: string;
  private_jwk: Json;
  created_at: DefaultedTimestamp;
  retired_at: Timestamp | null;
}

export interface AuditLogTable {
  id: Generated<Int8>;
  at: DefaultedTimestamp;
  client_id: string;
  uai: string | null;
  entity: string;
  count: number;
  request_id: string | null;
  /** `read` (personal data read through the API), `sso.login`, `sso.link`, `sso.claims`. */
  action: ColumnType<string, string | undefined, string>;
  detail: ColumnType<Json | null, string | null | undefined, string | null>;
}

/** Who logged in through an upstream provider: one account per provider and subject. */
export interface SsoAccountTable {
  id: string;
  provider: string;
  subject: string;
  created_at: DefaultedTimestamp;
  last_login_at: Timestamp | null;
}

/** A roster person an SSO account is linked to. */
export interface SsoLinkTable {
  account_id: string;
  person_id: string;
  uai: string;
  role: string;
  linked_at: DefaultedTimestamp;
  last_login_at: Timestamp | null;
}

/** Per establishment, what the aggregates sum (migration 20261205_0018_aggregates). */
export interface EstablishmentFactTable {
  uai: string;
  computed_at: Timestamp;
  pupils: number;
  teachers: number;
  divisions: number;
  divisions_with_pupils: number;
  pupils_in_divisions: number;
  /** `{ "6E": 120, "5E": 118, …, "unknown": 2 }` */
  pupils_by_level: Json;
  /** Active pupils with a link to an SSO account that logged in (migration 20261206_0019_aggregate_measures). */
  pupils_logged_in: number;
}

/** An establishment's lessons of a day with one status and reason (migration 20261207_0020_occurrence_days). */
export interface OccurrenceDayTable {
  uai: string;
  date: ColumnType<Date, string, string>;
  status: string;
  reason: string | null;
  occurrences: number;
}

/** A school day of an establishment with rooms: its active rooms, and the seconds lessons held them. */
export interface OccupancyDayTable {
  uai: string;
  date: ColumnType<Date, string, string>;
  rooms: number;
  occupied_seconds: number;
}

/** A day of an establishment whose sums the next aggregates refresh computes again. */
export interface OccurrenceDayStaleTable {
  uai: string;
  date: ColumnType<Date, string, string>;
  marked_at: Generated<Timestamp>;
}

export interface AggregateRefreshTable {
  id: number;
  seq: Int8;
  refreshed_at: Timestamp;
}

export interface SsoLoginDayTable {
  day: string;
  uai: string;
  role: string;
  provider: string;
  client_id: string;
  logins: number;
}

export interface SyncJobTable {
  id: string;
  kind: 'import' | 'export';
  connector: string;
  mode: 'complete' | 'delta';
  uai: string | null;
  lock_key: string;
  options: Json;
  submitted_by: string;
  idempotency_key: string | null;
  /** See JOB_STATES in jobs.ts. */
  state: 'queued' | 'running' | 'held' | 'completed' | 'completed-with-errors' | 'failed' | 'cancelled';
  cancel_requested: ColumnType<boolean, boolean | undefined, boolean>;
  priority: number;
  attempts: ColumnType<number, number | undefined, number>;
  progress: Json | null;
  counts: Json | null;
  establishments: Json | null;
  output: ColumnType<unknown, string | null | undefined, string | null>;
  problem_count: ColumnType<number, number | undefined, number>;
  error_count: ColumnType<number, number | undefined, number>;
  warning_count: ColumnType<number, number | undefined, number>;
  error: string | null;
  input_size: Int8;
  input_sha256: string;
  created_at: DefaultedTimestamp;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
  updated_at: DefaultedTimestamp;
}

export interface SyncJobFileTable {
  job_id: string;
  file_no: number;
  name: string;
  size: Int8;
}

export interface SyncJobChunkTable {
  job_id: string;
  file_no: number;
  part: number;
  bytes: Buffer;
}

export interface SyncJobProblemTable {
  job_id: string;
  n: number;
  file: string;
  line: number | null;
  field: string | null;
  code: string;
  severity: 'error' | 'warning';
  detail: string;
}

/** One dated lesson session (store/timetable/): typed columns, no document. */
export interface OccurrenceTable {
  id: string;
  uai: string;
  course_id: string | null;
  /** A `date`: pg gives it as a Date at UTC midnight; select `date::text` for the ISO date. */
  date: ColumnType<Date, string, string>;
  starts_at: Timestamp;
  ends_at: Timestamp;
  status: string;
  reason: string | null;
  subject_id: string | null;
  room_ids: string[];
  teacher_ids: string[];
  group_ids: string[];
  state: 'active' | 'deleted';
  seq: Int8;
  updated_at: Timestamp;
}

/** A revocable iCalendar subscription URL: what it shows, for which client. */
export interface CalendarSubscriptionTable {
  id: string;
  client_id: string;
  uai: string;
  target: 'group' | 'person' | 'room';
  target_id: string;
  created_at: Timestamp;
  revoked_at: Timestamp | null;
}

export interface Database {
  establishment: EstablishmentTable;
  roster_record: RosterRecordTable;
  source_key: SourceKeyTable;
  change_log: ChangeLogTable;
  shared_record: SharedRecordTable;
  change_counter: ChangeCounterTable;
  establishment_territory: EstablishmentTerritoryTable;
  api_client: ApiClientTable;
  client_perimeter_version: ClientPerimeterVersionTable;
  oidc_payload: OidcPayloadTable;
  signing_key: SigningKeyTable;
  audit_log: AuditLogTable;
  sync_job: SyncJobTable;
  sync_job_file: SyncJobFileTable;
  sync_job_chunk: SyncJobChunkTable;
  sync_job_problem: SyncJobProblemTable;
  occurrence: OccurrenceTable;
  calendar_subscription: CalendarSubscriptionTable;
  sso_account: SsoAccountTable;
  sso_link: SsoLinkTable;
  sso_login_day: SsoLoginDayTable;
  establishment_fact: EstablishmentFactTable;
  aggregate_refresh: AggregateRefreshTable;
  occurrence_day: OccurrenceDayTable;
  occupancy_day: OccupancyDayTable;
  occurrence_day_stale: OccurrenceDayStaleTable;
}

export type EstablishmentRow = Selectable<EstablishmentTable>;
export type RosterRecordRow = Selectable<RosterRecordTable>;
export type NewRosterRecord = Insertable<RosterRecordTable>;
export type ApiClient = Selectable<ApiClientTable>;
export type NewApiClient = Insertable<ApiClientTable>;
export type ApiClientUpdate = Updateable<ApiClientTable>;
export type SyncJobRow = Selectable<SyncJobTable>;
