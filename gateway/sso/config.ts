// The SSO configuration: the upstream identity providers (OpenID Connect or SAML 2.0), how each one's
// attributes map to a person's names, role and roster join keys. Read once at start from the YAML file
// PASSERELLE_SSO_CONFIG names; deploy/sso-config.example.yaml shows every key.

export type UpstreamRole = 'pupil' | 'guardian' | 'teacher' | 'staff';

/** How an attribute's value finds roster people. */
export type LinkRule =
  /** The value (after `format`) is a source id of a person: `sourceIds[source]`. */
  | { readonly claim: string; readonly kind: 'source-id'; readonly source: string; readonly format: 'plain' | 'aaf-ref' }
  /** The value is a FrEduVecteur `profil|nom|prénom|idEleve|UAI`: idEleve is the pupil's `sourceIds[source]` in that UAI. */
  | { readonly claim: string; readonly kind: 'vector'; readonly source: string }
  /** The value is a hash of the pupil's INE (lower-case hex), compared with the hash of the stored INE. */
  | { readonly claim: string; readonly kind: 'ine-hash'; readonly algorithm: 'md5' };

/** Which attributes hold what; each list is tried in order, the first present wins. */
export interface AttributeMapping {
  /** Absent: the assertion's subject (OIDC `sub`, SAML NameID). */
  readonly subject?: readonly string[];
  readonly givenName: readonly string[];
  readonly familyName: readonly string[];
  /** The attribute holding the person's profile and what its values mean; values not listed give no role. */
  readonly role?: { readonly attribute: readonly string[]; readonly values: Readonly<Record<string, UpstreamRole>> };
}

interface ProviderBase {
  /** Lower-case letters, digits and dashes; in the callback URL `{PUBLIC_URL}/sso/callback/{id}`. */
  readonly id: string;
  /** What the login page shows, such as "ÉduConnect". */
  readonly name: string;
  readonly mapping: AttributeMapping;
  readonly link: readonly LinkRule[];
}

export interface OidcProviderConfig extends ProviderBase {
  readonly kind: 'oidc';
  /** The issuer; discovery at `{issuer}/.well-known/openid-configuration`. Plain http only on a loopback address. */
  readonly issuer: string;
  readonly clientId: string;
  /** client_secret_basic at the upstream token endpoint. */
  readonly clientSecret: string;
  /** Always includes openid. */
  readonly scopes: readonly string[];
  /** Also fetch the userinfo endpoint and merge its claims (default true). */
  readonly userinfo: boolean;
}

export interface SamlProviderConfig extends ProviderBase {
  readonly kind: 'saml';
  /** The identity provider, as its metadata describes it. */
  readonly idp: {
    readonly entityId: string;
    /** Its SingleSignOnService for the HTTP-POST binding (else HTTP-Redirect). */
    readonly ssoUrl: string;
    readonly ssoBinding: 'post' | 'redirect';
    /** Its signing certificates, PEM. */
    readonly certificates: readonly string[];
  };
  /** The gateway as a service provider for this IdP. */
  readonly sp: {
    /** Default `{PUBLIC_URL}/sso/metadata/{id}`. */
    readonly entityId: string;
    /** Signs AuthnRequests, PEM. */
    readonly privateKey: string;
    readonly certificate: string;
    /** Decrypts assertions, PEM; the signing key unless given. */
    readonly decryptionKey: string;
    readonly decryptionCertificate: string;
  };
  /** Refuse assertions that are not encrypted (default true, as ÉduConnect requires). */
  readonly requireEncryptedAssertions: boolean;
}

export type ProviderConfig = OidcProviderConfig | SamlProviderConfig;

export interface SsoConfig {
  /** The file it was read from, absolute. */
  readonly file: string;
  readonly providers: readonly ProviderConfig[];
}
