// `passerelle clients`: create, list, update and revoke API clients, and rotate their secrets. A secret is
// printed once, when it is made; the store keeps only its hash.
import fs from 'node:fs';
import { Command, Option } from 'commander';
import {
  ClientError,
  CLIENT_AUTH_METHODS,
  clientView,
  createClient,
  getClient,
  listClients,
  revokeClient,
  rotateClientSecret,
  updateClient,
  type ClientAuthMethod,
  type ClientField,
  type RegisteredClient,
} from '../auth/clients.js';
import { SERVED_SCOPES, SSO_SCOPES } from '../auth/scopes.js';
import { fail, withStore } from './context.js';
import { outputTable } from './table.js';

/** The option a bad value came from; the client id is an argument and its messages already name it. */
const OPTION_OF: Record<ClientField, string | undefined> = {
  name: '--name',
  scopes: '--scopes',
  perimeter: '--perimeter',
  authMethod: '--auth',
  jwks: '--jwks',
  clientId: undefined,
  redirectUris: '--redirect-uri',
  postLogoutRedirectUris: '--post-logout-redirect-uri',
  backchannelLogoutUri: '--backchannel-logout-uri',
};

const PERIMETER_HELP =
  'comma-separated perimeter entries: uai:CODE, commune:CODE, departement:CODE, region:CODE, academie:CODE or national';

export function clientsCommand(): Command {
  const clients = new Command('clients')
    .description('Manage API clients: their scopes, perimeter and credentials')
    .addHelpText(
      'after',
      `
A client authenticates at the token endpoint (/oauth/token) with its id and secret (client_secret_basic) or
with a JWT signed by its own key (private_key_jwt), and gets short-lived access tokens for the API (/v1).
Reads DATABASE_URL (and DATABASE_SCHEMA) like the server; without DATABASE_URL it uses the embedded database.

Scopes: roster.read (people, groups, subjects, rooms, memberships, guardian links), roster.identifiers (INE
and birth dates on top of it), roster.contacts (addresses, phones and e-mails on top of it), sync.write (batches and sync jobs), admin (establishments, directory imports,
the jobs of the perimeter)

A relying party (--sso) is a service people log in to through the gateway (OpenID Connect, authorization
code with PKCE). Its scopes say what it learns of the person: openid (a pairwise subject, different for each
service), profile (names), school (UAI, establishment type), classes (divisions and groups), role (pupil,
parent, teacher, staff), children (a parent's children: each one's pairwise id, class and UAI), offline_access
(refresh tokens, with --refresh-tokens). Its perimeter says whose logins it receives: people of the
establishments inside it (national when not given).
`,
    );

  clients
    .command('create')
    .description('Create a client and print its id and, for client_secret_basic, its secret (shown once)')
    .requiredOption('--name <name>', 'a name people recognise, such as "ENT Lyon Métropole"')
    .option('--scopes <scopes>', `comma-separated scopes (${SERVED_SCOPES.join(', ')}; with --sso: ${SSO_SCOPES.join(', ')}; with --dashboard: ${DASHBOARD_SCOPES} by default)`)
    .option('--perimeter <entries>', `${PERIMETER_HELP} (required, except with --sso where it defaults to national)`)
    .option('--sso', 'register a relying party (a service people log in to) rather than an API client')
    .option('--dashboard', 'register the gateway\'s own dashboard (/dashboard) for the staff of the perimeter: a relying party without secret whose logins read the aggregates')
    .option('--redirect-uri <uri>', 'with --sso: where people come back after logging in (repeat for several; matched exactly)', collect, [])
    .option('--post-logout-redirect-uri <uri>', 'with --sso: where people may be sent after logging out (repeatable)', collect, [])
    .option('--backchannel-logout-uri <uri>', 'with --sso: told by a signed logout token when a person\'s gateway session ends')
    .option('--refresh-tokens', 'with --sso: the service may get refresh tokens (scope offline_access)')
    .option('--all-roles', 'with --sso: the service receives every role of a person with several (claim roles), not the one chosen at login')
    .addOption(
      new Option('--auth <method>', 'how the client authenticates').choices([...CLIENT_AUTH_METHODS]).default('client_secret_basic'),
    )
    .option('--jwks <file>', 'JSON file with the client\'s public keys (JWKS), required with --auth private_key_jwt')
    .option('--json', 'print one JSON object instead of text')
    .addHelpText(
      'after',
      `
Examples:
  passerelle clients create --name "ENT Lyon" --scopes roster.read --perimeter departement:069
  passerelle clients create --name "Département du Rhône, bâtiments" --scopes occupancy.read --perimeter departement:069/college
  passerelle clients create --name "Vie scolaire du collège" --scopes sync.write --perimeter uai:0691234S --json
  passerelle clients create --name "App X" --scopes roster.read --perimeter uai:0750655E \\
      --auth private_key_jwt --jwks ./app-x-public.jwks.json
  passerelle clients create --sso --name "ENT Lyon" --redirect-uri https://ent.example.fr/oidc/callback \\
      --scopes openid,profile,school,classes,role,children --perimeter departement:069 \\
      --backchannel-logout-uri https://ent.example.fr/oidc/backchannel
  passerelle clients create --dashboard --name "Tableau de bord de l'académie de Lyon" --perimeter academie:10
`,
    )
    .action(async (opts: CreateOptions) => {
      const jwks = opts.jwks === undefined ? undefined : readJwksFile(opts.jwks);
      if (opts.dashboard) {
        if (opts.perimeter === undefined) fail('create: --perimeter is required for a dashboard (national for the ministry\'s, academie:CODE for an académie\'s)');
        if (opts.backchannelLogoutUri !== undefined || opts.refreshTokens || opts.allRoles || opts.jwks !== undefined || opts.auth !== 'client_secret_basic') {
          fail('create: a dashboard takes no --backchannel-logout-uri, --refresh-tokens, --all-roles, --auth nor --jwks');
        }
      } else if (opts.scopes === undefined) {
        fail('create: --scopes is required');
      }
      if (!opts.sso && !opts.dashboard) {
        if (opts.perimeter === undefined) fail('create: --perimeter is required for an API client');
        const ssoOnly = opts.redirectUri.length || opts.postLogoutRedirectUri.length || opts.backchannelLogoutUri !== undefined || opts.refreshTokens || opts.allRoles;
        if (ssoOnly) fail('create: --redirect-uri, --post-logout-redirect-uri, --backchannel-logout-uri, --refresh-tokens and --all-roles go with --sso');
      }
      const { client, clientSecret } = await run(() =>
        withStore(({ db }, config) =>
          createClient(db, {
            name: opts.name,
            scopes: list(opts.scopes ?? DASHBOARD_SCOPES),
            perimeter: list(opts.perimeter ?? 'national'),
            ...(opts.dashboard ? {
              // The page comes back to itself after logging in and out.
              relyingParty: {
                redirectUris: opts.redirectUri.length ? opts.redirectUri : [dashboardUrl(config.publicUrl)],
                postLogoutRedirectUris: opts.postLogoutRedirectUri.length ? opts.postLogoutRedirectUri : [dashboardUrl(config.publicUrl)],
                dashboard: true,
              },
            } : { authMethod: opts.auth }),
            ...(jwks !== undefined ? { jwks } : {}),
            ...(opts.sso && !opts.dashboard ? {
              relyingParty: {
                redirectUris: opts.redirectUri,
                postLogoutRedirectUris: opts.postLogoutRedirectUri,
                ...(opts.backchannelLogoutUri !== undefined ? { backchannelLogoutUri: opts.backchannelLogoutUri } : {}),
                refreshTokens: opts.refreshTokens ?? false,
                allRoles: opts.allRoles ?? false,
              },
            } : {}),
          }),
        ),
      );
      if (opts.json) return printJson({ ...clientView(client), ...(clientSecret ? { clientSecret } : {}) });
      print(`Created client ${client.clientId} (${client.name})`);
      printDetails(client);
      if (client.relyingParty?.dashboard) print(`\nIts people sign in at ${client.relyingParty.redirectUris[0]} with "Se connecter avec le compte académique".`);
      if (clientSecret) printSecret(clientSecret);
    });

  clients
    .command('list')
    .description('List every client, revoked ones included')
    .option('--json', 'print one JSON object, {"clients": [...]}')
    .addHelpText('after', '\nExamples:\n  passerelle clients list\n  passerelle clients list --json\n')
    .action(async (opts: { json?: boolean }) => {
      const all = await run(() => withStore(({ db }) => listClients(db)));
      if (opts.json) return printJson({ clients: all.map(clientView) });
      if (!all.length) return print('No clients yet. Create one with: passerelle clients create --help');
      const table = outputTable(['id', 'name', 'status', 'auth', 'scopes', 'perimeter', 'created']);
      for (const c of all) {
        table.push([c.clientId, c.relyingParty ? `${c.name}\n(SSO)` : c.name, c.status, c.authMethod, (c.relyingParty?.scopes ?? c.scopes).join('\n'), c.perimeter.join('\n') || '(none)', c.createdAt.toISOString().slice(0, 10)]);
      }
      print(table.toString());
    });

  clients
    .command('update')
    .description('Change a client\'s name, scopes or perimeter (each option replaces the whole value)')
    .argument('<id>', 'the client id, such as pas_abcdefghijklmnop')
    .option('--name <name>', 'new name')
    .option('--scopes <scopes>', `new comma-separated scopes (${SERVED_SCOPES.join(', ')})`)
    .option('--perimeter <entries>', `new perimeter: ${PERIMETER_HELP}`)
    .option('--json', 'print one JSON object instead of text')
    .addHelpText(
      'after',
      `
Examples:
  passerelle clients update pas_abcdefghijklmnop --perimeter departement:069,departement:001
  passerelle clients update pas_abcdefghijklmnop --scopes roster.read,roster.identifiers --json
`,
    )
    .action(async (id: string, opts: { name?: string; scopes?: string; perimeter?: string; json?: boolean }) => {
      if (opts.name === undefined && opts.scopes === undefined && opts.perimeter === undefined) {
        fail('update: give at least one of --name, --scopes, --perimeter');
      }
      const client = await run(() =>
        withStore(({ db }) =>
          updateClient(db, id, {
            ...(opts.name !== undefined ? { name: opts.name } : {}),
            ...(opts.scopes !== undefined ? { scopes: list(opts.scopes) } : {}),
            ...(opts.perimeter !== undefined ? { perimeter: list(opts.perimeter) } : {}),
          }),
        ),
      );
      if (opts.json) return printJson(clientView(client));
      print(`Updated client ${client.clientId} (${client.name})`);
      printDetails(client);
    });

  clients
    .command('revoke')
    .description('Revoke a client: it can no longer get tokens, and its current tokens are refused within seconds')
    .argument('<id>', 'the client id')
    .option('--json', 'print one JSON object instead of text')
    .addHelpText('after', '\nExample:\n  passerelle clients revoke pas_abcdefghijklmnop\n')
    .action(async (id: string, opts: { json?: boolean }) => {
      const client = await run(() => withStore(({ db }) => revokeClient(db, id)));
      if (opts.json) return printJson(clientView(client));
      print(`Revoked client ${client.clientId} (${client.name}). This cannot be undone.`);
    });

  clients
    .command('rotate-secret')
    .description('Give a client_secret_basic client a new secret; the old one stops working at once')
    .argument('<id>', 'the client id')
    .option('--json', 'print one JSON object instead of text')
    .addHelpText('after', '\nExamples:\n  passerelle clients rotate-secret pas_abcdefghijklmnop\n  passerelle clients rotate-secret pas_abcdefghijklmnop --json\n')
    .action(async (id: string, opts: { json?: boolean }) => {
      const { client, clientSecret } = await run(() =>
        withStore(async ({ db }) => {
          const clientSecret = await rotateClientSecret(db, id);
          return { client: (await getClient(db, id))!, clientSecret };
        }),
      );
      if (opts.json) return printJson({ ...clientView(client), clientSecret });
      print(`New secret for client ${client.clientId} (${client.name}); the previous one no longer works.`);
      printSecret(clientSecret);
    });

  return clients;
}

/** What a dashboard reads of the person (a pairwise id and their names, to greet them) and of the API. */
const DASHBOARD_SCOPES = 'openid,profile,aggregates.read';

/** The dashboard page's address, its redirect URI (dashboard-page.ts serves it without a trailing slash). */
function dashboardUrl(publicUrl: string): string {
  return `${publicUrl}/dashboard`;
}

interface CreateOptions {
  name: string; scopes?: string; dashboard?: boolean; perimeter?: string; auth: ClientAuthMethod; jwks?: string; json?: boolean;
  sso?: boolean; redirectUri: string[]; postLogoutRedirectUri: string[]; backchannelLogoutUri?: string; refreshTokens?: boolean; allRoles?: boolean;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Runs a store operation; a ClientError ends the command with a message naming the option at fault. */
async function run<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof ClientError) {
      const option = error.field && OPTION_OF[error.field];
      const where = option ? `${option}: ` : '';
      fail(`${where}${error.message}`, error.reason === 'invalid' ? 2 : 1);
    }
    throw error;
  }
}

function list(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

function readJwksFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    fail(`--jwks: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    fail(`--jwks: ${file} is not valid JSON (${(error as Error).message})`);
  }
}

function print(text: string): void {
  process.stdout.write(`${text}\n`);
}

function printJson(value: unknown): void {
  print(JSON.stringify(value, null, 2));
}

function printDetails(client: RegisteredClient): void {
  const rp = client.relyingParty;
  if (rp) {
    print('  kind:      relying party (SSO)');
    print(`  scopes:    ${rp.scopes.join(', ')}`);
    print(`  redirect:  ${rp.redirectUris.join(', ')}`);
    if (rp.postLogoutRedirectUris.length) print(`  after logout: ${rp.postLogoutRedirectUris.join(', ')}`);
    if (rp.backchannelLogoutUri) print(`  back-channel logout: ${rp.backchannelLogoutUri}`);
    if (rp.refreshTokens) print('  refresh tokens: yes');
    if (rp.allRoles) print('  receives every role: yes');
    if (rp.dashboard) print('  dashboard: yes (staff only, reads the aggregates of its perimeter)');
  } else {
    print(`  scopes:    ${client.scopes.join(', ')}`);
  }
  print(`  perimeter: ${client.perimeter.join(', ') || '(none: the client sees no establishment)'}`);
  print(`  auth:      ${client.authMethod}`);
  print(`  status:    ${client.status}`);
}

function printSecret(secret: string): void {
  print('');
  print('Client secret (shown only now: Passerelle stores a hash of it and cannot show it again):');
  print(`  ${secret}`);
}
