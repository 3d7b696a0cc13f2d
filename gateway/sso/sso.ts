// SSO as the gateway composes it: the upstream providers of the configuration, what the authorization server
// needs from SSO (accounts, claims, interactions), and the login pages' routes.
import type { Router } from 'express';
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import type { Configuration } from 'oidc-provider';
import type { Logger } from 'pino';
import { payloadStore } from '../auth/adapter.js';
import type { AuthorizationServer } from '../auth/authorization-server.js';
import { loadPairwiseKey } from '../auth/keys.js';
import { groupCommitAudit } from '../store/audit.js';
import { groupCommit } from '../store/group-commit.js';
import { countLogins, type LoginCount } from '../store/sso/accounts.js';
import type { Database } from '../store/tables.js';
import { AccountContexts } from './account-contexts.js';
import { pairwiseWith } from './claims.js';
import type { SsoConfig } from './config.js';
import { loginFlowRoutes, type Upstream } from './login-flow.js';
import { ssoProviderConfiguration } from './provider-configuration.js';
import { createOidcUpstream } from './upstream/oidc.js';
import { createSamlUpstream } from './upstream/saml.js';

export interface Sso {
  /** Given to the authorization server (createAuthorizationServer's `sso`). */
  readonly providerConfiguration: Partial<Configuration>;
  /** The login pages and the upstream callbacks, mounted after the authorization server's handler. */
  routes(auth: AuthorizationServer): Router;
  /** Waits for the audit entries and login counts recorded so far to be written. */
  close(): Promise<void>;
}

export async function createSso(options: {
  config: SsoConfig | undefined;
  db: Kysely<Database>;
  publicUrl: string;
  logger: Logger;
  /** Keeps each login's steps in Redis under this prefix, as the authorization server does its sessions. */
  redis?: { client: Redis; prefix: string };
  /** Told of each login completed (metrics). */
  onLogin?: (provider: string, role: string) => void;
}): Promise<Sso> {
  const { db, publicUrl, logger, redis, onLogin } = options;
  const pairwise = pairwiseWith(await loadPairwiseKey(db));
  const upstreams: Upstream[] = (options.config?.providers ?? []).map((config) => ({
    config,
    provider: config.kind === 'oidc' ? createOidcUpstream(config) : createSamlUpstream(config),
  }));
  // Logins, links and releases of claims are audited together: a login peak shares commits.
  const audit = groupCommitAudit(db);
  const logins = groupCommit<LoginCount>((items) => countLogins(db, items));
  const accounts = new AccountContexts(db);
  return {
    providerConfiguration: ssoProviderConfiguration({ db, publicUrl, pairwise, accounts, audit }),
    close: async () => {
      await Promise.all([audit.close(), logins.close()]);
    },
    routes: (auth) => loginFlowRoutes({
      db, publicUrl, upstreams, logger, accounts, audit, logins, onLogin,
      steps: { upstream: payloadStore(db, redis, 'SsoUpstreamLogin'), result: payloadStore(db, redis, 'SsoLoginResult') },
      provider: () => auth.provider,
      pinToPublicUrl: auth.pinToPublicUrl,
    }),
  };
}
