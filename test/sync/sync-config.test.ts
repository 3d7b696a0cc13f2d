// The sync configuration file: what a valid file gives the jobs, which pushes apply to an establishment, and
// that every mistake names the file, the line, the key and what was expected.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../gateway/config/config.js';
import { destinationsFor, loadSyncConfig, parseSyncConfig, SyncConfigError, type SyncConfig } from '../../gateway/config/sync-config.js';

const FINGERPRINT = 'SHA256:ayJ4HiAVEYcm0V3AuZxm6Gw2JYKOUBCzEbSw+FYAiFY';
const PRIVATE_KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nnot a real key\n-----END OPENSSH PRIVATE KEY-----\n';
const env = { SFTP_PASSWORD: 'sftp password', WEBHOOK_SECRET: 'a webhook secret of some length\n' };

let dir: string;
let file: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'passerelle-sync-config-'));
  file = path.join(dir, 'sync.yaml');
  await fs.mkdir(path.join(dir, 'secrets'));
  await fs.writeFile(path.join(dir, 'secrets', 'sftp.key'), PRIVATE_KEY);
  await fs.writeFile(path.join(dir, 'secrets', 'passphrase'), 'key passphrase\n');
});
afterAll(async () => { await fs.rm(dir, { recursive: true, force: true }); });

const parse = (text: string, options = {}) => parseSyncConfig(text, file, env, options);

const PULL_FOLDER = `
  - id: onde-ecole
    for: uai:0690028F
    connector: onde
    mode: complete
    schedule: 1h
    source:
      kind: folder
      path: depots/ecole
      pattern: "*.csv"`;

const VALID = `version: 1
pulls:${PULL_FOLDER}
  - id: sts-lycee
    for: uai:0693331w
    connector: sts-web
    mode: delta
    schedule: "30  2 * * 1-5"
    source:
      kind: sftp
      host: sftp.example.fr
      username: passerelle
      hostKeyFingerprint: ${FINGERPRINT}
      privateKey: { file: secrets/sftp.key }
      passphrase: { file: secrets/passphrase }
      path: /exports
      pattern: ["a*.xml", "b?.xml"]
      doneFolder: taken
      settleSeconds: 0
pushes:
  - id: gar-academie
    for: academie:10
    connector: gar
    schedule: "0 4 * * *"
    timezone: Indian/Reunion
    destination:
      kind: sftp
      host: sftp.gar.example.fr
      port: 2222
      username: ac-lyon
      hostKeyFingerprint: [${FINGERPRINT}]
      password: { env: SFTP_PASSWORD }
      path: /depot
  - id: ent-webhook
    for: departement:069
    connector: gar
    destination:
      kind: webhook
      url: https://ent.example.fr/hook
      secret: { env: WEBHOOK_SECRET }
      attempts: 3
  - id: gar-lycee-recette
    for: uai:0693331W
    connector: gar
    replaces: [gar-academie]
    destination: { kind: folder, path: /srv/recette }
  - id: annuaire-national
    for: national
    connector: annuaire
    destination: { kind: folder, path: out }
`;

/** The error parsing `text` fails with. */
function failure(text: string, options = {}): SyncConfigError {
  try {
    parse(text, options);
  } catch (error) {
    expect(error).toBeInstanceOf(SyncConfigError);
    expect(error).toBeInstanceOf(ConfigError);
    return error as SyncConfigError;
  }
  throw new Error('expected the configuration to be refused');
}

describe('a valid sync configuration', () => {
  let config: SyncConfig;
  beforeAll(() => { config = parse(VALID); });

  it('gives the pulls with their schedules, sources, resolved paths and secrets', () => {
    expect(config.file).toBe(file);
    expect(config.pulls).toEqual([
      {
        id: 'onde-ecole', for: { kind: 'uai', code: '0690028F' }, connector: 'onde', mode: 'complete',
        schedule: { kind: 'interval', milliseconds: 3_600_000 },
        source: { kind: 'folder', path: path.join(dir, 'depots', 'ecole'), patterns: ['*.csv'], doneFolder: 'done', settleSeconds: 60 },
      },
      {
        id: 'sts-lycee', for: { kind: 'uai', code: '0693331W' }, connector: 'sts-web', mode: 'delta',
        schedule: { kind: 'cron', expression: '30 2 * * 1-5', timezone: 'Europe/Paris' },
        source: {
          kind: 'sftp', host: 'sftp.example.fr', port: 22, username: 'passerelle', hostKeyFingerprints: [FINGERPRINT],
          privateKey: PRIVATE_KEY, passphrase: 'key passphrase', password: undefined, connectTimeoutSeconds: undefined,
          path: '/exports', patterns: ['a*.xml', 'b?.xml'], doneFolder: 'taken', settleSeconds: 0,
        },
      },
    ]);
  });

  it('gives the pushes with their destinations and secrets from the environment', () => {
    const [gar, webhook] = config.pushes;
    expect(gar).toMatchObject({
      schedule: { kind: 'cron', expression: '0 4 * * *', timezone: 'Indian/Reunion' },
      destination: { kind: 'sftp', port: 2222, password: 'sftp password', hostKeyFingerprints: [FINGERPRINT], path: '/depot' },
      replaces: [],
    });
    expect(webhook).toMatchObject({
      schedule: undefined,
      destination: { kind: 'webhook', url: 'https://ent.example.fr/hook', secret: 'a webhook secret of some length', attempts: 3 },
    });
    expect(config.pushes[3].destination).toEqual({ kind: 'folder', path: path.join(dir, 'out') });
  });

  it('gives an establishment every push covering it, less those a covering push replaces', () => {
    const ids = (place: Parameters<typeof destinationsFor>[1], connector?: string) =>
      destinationsFor(config, place, connector).map((push) => push.id);
    const lyonCollege = { uai: '0690028F', communeCode: '69123', departementCode: '069', regionCode: '84', academieCode: '10' };
    expect(ids(lyonCollege)).toEqual(['gar-academie', 'ent-webhook', 'annuaire-national']);
    expect(ids(lyonCollege, 'gar')).toEqual(['gar-academie', 'ent-webhook']);
    expect(ids({ ...lyonCollege, uai: '0693331w' }, 'gar')).toEqual(['ent-webhook', 'gar-lycee-recette']);
    expect(ids({ uai: '0750655E', departementCode: '075', academieCode: '01' }, 'gar')).toEqual([]);
    expect(ids({ uai: '0010001W', departementCode: '001', academieCode: '10' }, 'gar')).toEqual(['gar-academie']);
  });

  it('is read from the file PASSERELLE_SYNC_CONFIG names, and absent when it names none', async () => {
    await fs.writeFile(file, VALID);
    expect(loadSyncConfig({ ...env, PASSERELLE_SYNC_CONFIG: file })?.pulls).toHaveLength(2);
    expect(loadSyncConfig({})).toBeUndefined();
    expect(() => loadSyncConfig({ PASSERELLE_SYNC_CONFIG: path.join(dir, 'missing.yaml') }))
      .toThrow(`PASSERELLE_SYNC_CONFIG names ${path.join(dir, 'missing.yaml')}, which cannot be read (ENOENT)`);
  });

  it('accepts the example shipped in deploy/', async () => {
    const example = await fs.readFile(path.join(import.meta.dirname, '../../deploy/sync-config.example.yaml'), 'utf8');
    await fs.writeFile(path.join(dir, 'secrets', 'sftp-ac-lyon.key'), PRIVATE_KEY);
    const config = parseSyncConfig(example, file, {
      SFTP_AC_LYON_PASSPHRASE: 'x', GAR_SFTP_PASSWORD: 'y', ENT_RHONE_WEBHOOK_SECRET: 'sixteen characters or more',
    });
    expect(config.pulls.map((p) => p.id)).toEqual(['onde-ecole-jean-jaures', 'sts-lycee-du-parc']);
    expect(config.pushes.map((p) => p.id)).toEqual(['gar-academie-lyon', 'gar-lycee-du-parc-recette', 'ent-rhone-webhook']);
  });
});

describe('a sync configuration with a mistake', () => {
  const withPull = (lines: string) => `version: 1\npulls:${PULL_FOLDER}\n${lines}`;

  it('names the line, the key and the expected type', () => {
    const error = failure(VALID.replace('port: 2222', 'port: twenty-two'));
    expect(error.message).toBe(`${file}:37: pushes[0].destination.port: expected a whole number`);
    expect(error).toMatchObject({ file, at: 'pushes[0].destination.port', line: 37 });
  });

  it('refuses a secret written inline', () => {
    expect(failure(VALID.replace('password: { env: SFTP_PASSWORD }', 'password: hunter2')).message).toBe(
      `${file}:40: pushes[0].destination.password: expected a secret reference, {env: VARIABLE} or {file: PATH}: secrets are never written in this file`);
  });

  it('names a secret variable that is not set, and a secret file that cannot be read', () => {
    expect(failure(VALID.replace('{ env: SFTP_PASSWORD }', '{ env: GAR_PASSWORD }')).message)
      .toBe(`${file}:40: pushes[0].destination.password: expected the environment variable GAR_PASSWORD to hold this secret (it is not set)`);
    expect(failure(VALID.replace('secrets/sftp.key', 'secrets/other.key')).message)
      .toBe(`${file}:22: pulls[1].source.privateKey: expected a readable file ${path.join(dir, 'secrets', 'other.key')} holding this secret (ENOENT)`);
  });

  it('names the kinds a source may have', () => {
    expect(failure(VALID.replace('kind: folder\n      path: depots', 'kind: ftp\n      path: depots')).message)
      .toBe(`${file}:9: pulls[0].source.kind: expected kind folder or sftp`);
  });

  it('names a missing key and an unknown one', () => {
    expect(failure(VALID.replace('    schedule: 1h\n', '')).message).toBe(`${file}:3: pulls[0]: expected a key schedule`);
    expect(failure(VALID.replace('connector: onde', 'conector: onde')).message)
      .toBe(`${file}:3: pulls[0]: expected a key connector`);
    expect(failure(VALID.replace('    mode: complete\n', '    mode: complete\n    retries: 3\n')).message)
      .toBe(`${file}:7: pulls[0].retries: unknown key retries: expected one of id, for, connector, mode, schedule, timezone, source`);
    expect(failure(VALID.replace('settleSeconds: 0', 'settle: 0')).message)
      .toBe(`${file}:27: pulls[1].source.settle: unknown key settle for this kind`);
  });

  it('checks scopes, schedules and time zones', () => {
    expect(failure(VALID.replace('uai:0690028F', 'uai:0690028A')).message)
      .toBe(`${file}:4: pulls[0].for: "uai:0690028A": expected a UAI of 7 digits and its check letter, such as 0750655E`);
    expect(failure(VALID.replace('for: academie:10', 'for: canton:12')).message).toMatch(/pushes\[0\]\.for: "canton:12": expected national, uai:CODE/);
    expect(failure(VALID.replace('schedule: 1h', 'schedule: 30s')).message).toBe(`${file}:7: pulls[0].schedule: expected an interval of at least 1m`);
    expect(failure(VALID.replace('"30  2 * * 1-5"', '"61 2 * * *"')).message).toBe(
      `${file}:16: pulls[1].schedule: expected an interval such as 15m, 1h or 1d, or a cron expression of 5 fields: ` +
      'the minute field "61" is not *, a number from 0 to 59, a range or a list of them (with an optional /step)');
    expect(failure(VALID.replace('"0 4 * * *"', '"0 4 * *"')).message).toMatch(/pushes\[0\]\.schedule: .*: got 4 fields$/);
    expect(failure(VALID.replace('Indian/Reunion', 'Europe/Lyon')).message)
      .toBe(`${file}:33: pushes[0].timezone: expected an IANA time zone such as Europe/Paris (got Europe/Lyon)`);
  });

  it('refuses plain http to another machine, and a short webhook secret', () => {
    expect(failure(VALID.replace('https://ent.example.fr/hook', 'http://ent.example.fr/hook')).message)
      .toBe(`${file}:47: pushes[1].destination.url: expected an https:// URL (plain http:// only to a loopback address)`);
    expect(parse(VALID.replace('https://ent.example.fr/hook', 'http://127.0.0.1:9000/hook')).pushes[1].destination).toMatchObject({ url: 'http://127.0.0.1:9000/hook' });
    expect(() => parseSyncConfig(VALID, file, { ...env, WEBHOOK_SECRET: 'short' }))
      .toThrow(`${file}:48: pushes[1].destination.secret: expected a secret of at least 16 characters`);
  });

  it('refuses a bad fingerprint, and an SFTP entry without a key or password', () => {
    expect(failure(VALID.replace(`hostKeyFingerprint: ${FINGERPRINT}`, 'hostKeyFingerprint: MD5:aa:bb')).message).toMatch(
      /:21: pulls\[1\]\.source\.hostKeyFingerprint: expected the server's host key fingerprint as ssh-keygen -l prints it/);
    expect(failure(VALID.replace('      password: { env: SFTP_PASSWORD }\n', '')).message)
      .toBe(`${file}:35: pushes[0].destination: expected privateKey or password (or both)`);
  });

  it('refuses a reused id, an unknown connector when the known ones are given, and a replacement of another connector', () => {
    expect(failure(withPull(PULL_FOLDER.slice(1))).message).toMatch(/pulls\[1\]\.id: expected an id used once \(onde-ecole is already taken\)$/);
    expect(failure(VALID, { connectors: { pull: ['onde', 'aaf'] } }).message)
      .toBe(`${file}:14: pulls[1].connector: expected one of the connectors onde, aaf (got sts-web)`);
    expect(failure(VALID.replace('replaces: [gar-academie]', 'replaces: [annuaire-national]')).message)
      .toBe(`${file}:53: pushes[2].replaces[0]: expected a push of the same connector, gar (annuaire-national pushes annuaire)`);
    expect(failure(VALID.replace('replaces: [gar-academie]', 'replaces: [gar-nowhere]')).message)
      .toMatch(/pushes\[2\]\.replaces\[0\]: expected the id of another push \(there is no push gar-nowhere\)$/);
  });

  it('points at YAML syntax errors and a wrong version', () => {
    expect(failure('version: 1\npulls:\n  - id: [unclosed\n').message).toMatch(new RegExp(`^${file.replace(/[.]/g, '\\.')}:\\d+: expected well-formed YAML: `));
    expect(failure('version: 2\n').message).toBe(`${file}:1: version: expected 1`);
  });
});
