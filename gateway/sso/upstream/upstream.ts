// What every upstream identity provider (OpenID Connect or SAML 2.0) offers the login flow: a way to send the
// browser there, and a way to turn what comes back to `{PUBLIC_URL}/sso/callback/{id}` into one assertion of
// who logged in. What the assertion's attributes mean (names, role, roster join keys) is decided afterwards,
// the same way for both kinds, by the provider's mapping (../identity.ts).

/** Where to send the browser to log in upstream: a redirect (GET) or a form posted by the browser (SAML POST binding). */
export type UpstreamStep =
  | { readonly kind: 'redirect'; readonly url: string }
  | { readonly kind: 'form'; readonly action: string; readonly fields: Readonly<Record<string, string>> };

/** What `begin` hands back: the step, and what `finish` will need, kept by the gateway under `state`. */
export interface UpstreamStart {
  readonly step: UpstreamStep;
  /**
   * The value that comes back with the browser (OIDC `state`, SAML `RelayState`): random, at least 128 bits,
   * base64url. The gateway keeps `saved` under it, once: a second callback with the same state is refused.
   */
  readonly state: string;
  /** JSON the gateway keeps until the callback (PKCE verifier, nonce, SAML request id…); never sent to the browser. */
  readonly saved: Readonly<Record<string, unknown>>;
}

/** The browser's request to the callback, as the HTTP layer read it. */
export interface UpstreamCallback {
  /** The full URL the callback was reached at (query included), with the public URL's origin. */
  readonly url: URL;
  /** The POSTed form fields (SAML POST binding), empty for a GET. */
  readonly form: Readonly<Record<string, string>>;
}

/** Who logged in, as the upstream provider asserted it, before any mapping. */
export interface UpstreamAssertion {
  /** The provider's stable identifier of the person: OIDC `sub`, SAML NameID (persistent) or FrEduCtId. */
  readonly subject: string;
  /**
   * Every attribute or claim received, by name, as lists of strings: OIDC claims by claim name (ID token and
   * userinfo merged; non-string values as JSON), SAML attributes by their `Name` (`urn:oid:…`) AND by their
   * `FriendlyName` when they have one.
   */
  readonly attributes: Readonly<Record<string, readonly string[]>>;
  /** What an upstream logout would need later (OIDC id_token; SAML NameID, its format and SessionIndex). */
  readonly session: Readonly<Record<string, string>>;
}

/**
 * Why an upstream login did not give an assertion. `refused`: the provider said no (the person cancelled,
 * access_denied, a SAML status other than Success). `invalid`: what came back cannot be trusted or used (bad
 * signature, wrong issuer or audience, expired, replayed, state or InResponseTo mismatch, missing PKCE or
 * nonce, unencrypted assertion where encryption is required). `unavailable`: the provider could not be reached.
 * `message` is for the logs (never shown to the browser); pages show a French sentence chosen by `reason`.
 */
export class UpstreamError extends Error {
  constructor(readonly reason: 'refused' | 'invalid' | 'unavailable', message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UpstreamError';
  }
}

export interface UpstreamProvider {
  readonly id: string;
  readonly kind: 'oidc' | 'saml';
  /** What the login page shows. */
  readonly name: string;
  /** Starts a login; `callbackUrl` is `{PUBLIC_URL}/sso/callback/{id}`. */
  begin(callbackUrl: string): Promise<UpstreamStart>;
  /** Checks what came back, against what `begin` saved; throws UpstreamError when it cannot be trusted. */
  finish(callback: UpstreamCallback, saved: Readonly<Record<string, unknown>>, callbackUrl: string): Promise<UpstreamAssertion>;
  /** Service-provider metadata to give the upstream's operators (SAML: the SP's EntityDescriptor XML), if any. */
  metadata?(callbackUrl: string): string;
}
