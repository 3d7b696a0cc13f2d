// What an upstream assertion says about a person, read through its provider's mapping: the same for OpenID
// Connect claims and SAML attributes. Names are only ever shown or compared within a join key's result (a
// parent among one pupil's guardians); a person is found by join keys, never by names alone.
import type { LinkRule, ProviderConfig, UpstreamRole } from './config.js';
import type { UpstreamAssertion } from './upstream/upstream.js';

/** A way to find roster people from what the provider sent. */
export type JoinKey =
  /** The person whose `sourceIds[source]` is `value`, in whichever establishment. */
  | { readonly kind: 'source-id'; readonly source: string; readonly value: string }
  /**
   * The pupil whose `sourceIds[source]` is `pupilId` in `uai` (FrEduVecteur); for a parent's vector
   * (`guardian` set), the one of that pupil's guardians with these names.
   */
  | { readonly kind: 'vector'; readonly source: string; readonly pupilId: string; readonly uai: string; readonly guardian?: { readonly familyName: string; readonly givenName: string } }
  /** The pupil whose stored INE hashes to `value`. */
  | { readonly kind: 'ine-hash'; readonly algorithm: 'md5'; readonly value: string };

export interface UpstreamIdentity {
  /** The provider's id in the configuration. */
  readonly provider: string;
  readonly subject: string;
  readonly givenName: string | undefined;
  readonly familyName: string | undefined;
  /** The profile the provider asserts, when its mapping says; people found must have it. */
  readonly role: UpstreamRole | undefined;
  readonly keys: readonly JoinKey[];
  readonly session: Readonly<Record<string, string>>;
}

const MAX_KEYS = 50;

export function identityOf(provider: ProviderConfig, assertion: UpstreamAssertion): UpstreamIdentity {
  const { mapping } = provider;
  const first = (names: readonly string[] | undefined) => {
    for (const name of names ?? []) {
      const value = assertion.attributes[name]?.find((v) => v.trim() !== '');
      if (value !== undefined) return value.trim();
    }
    return undefined;
  };
  const subject = first(mapping.subject) ?? assertion.subject;
  const roleValue = first(mapping.role?.attribute);
  const keys = provider.link.flatMap((rule) => (assertion.attributes[rule.claim] ?? []).flatMap((value) => keyOf(rule, value.trim()))).slice(0, MAX_KEYS);
  const vectorRole = keys.some((k) => k.kind === 'vector') ? (keys.some((k) => k.kind === 'vector' && k.guardian) ? 'guardian' : 'pupil') : undefined;
  return {
    provider: provider.id,
    subject,
    givenName: first(mapping.givenName),
    familyName: first(mapping.familyName),
    role: (roleValue !== undefined ? mapping.role?.values[roleValue] : undefined) ?? vectorRole,
    keys: dedupe(keys),
    session: assertion.session,
  };
}

function keyOf(rule: LinkRule, value: string): JoinKey[] {
  if (!value || value.length > 500) return [];
  switch (rule.kind) {
    case 'source-id': {
      const id = rule.format === 'aaf-ref' ? aafJointure(value) : value;
      return id ? [{ kind: 'source-id', source: rule.source, value: id }] : [];
    }
    case 'vector': {
      const vector = parseFrEduVecteur(value);
      return vector ? [{ kind: 'vector', source: rule.source, ...vector }] : [];
    }
    case 'ine-hash':
      return /^[0-9a-fA-F]{32}$/.test(value) ? [{ kind: 'ine-hash', algorithm: rule.algorithm, value: value.toLowerCase() }] : [];
  }
}

/**
 * The AAF join key in a FrEduCtRefId: `{AAF}<académie>|<…>|<ENTPersonJointure>` (ENTCORE's SSOEduConnect keeps
 * only values starting with `{AAF}` and reads the third part). Other forms name other directories.
 */
export function aafJointure(value: string): string | undefined {
  if (!value.startsWith('{AAF}')) return undefined;
  const parts = value.slice('{AAF}'.length).split('|');
  const jointure = parts[2]?.trim();
  return parts.length === 3 && jointure ? jointure : undefined;
}

/**
 * A FrEduVecteur `profil|nom|prénom|idEleve|UAI`: profiles 1 and 2 are a parent (first and second degree) whose
 * names are theirs and idEleve their child's, 3 and 4 a pupil (names often empty).
 */
export function parseFrEduVecteur(value: string): Omit<Extract<JoinKey, { kind: 'vector' }>, 'kind' | 'source'> | undefined {
  const parts = value.split('|');
  if (parts.length !== 5) return undefined;
  const [profile, familyName, givenName, pupilId, uai] = parts.map((p) => p.trim());
  if (!/^[1-4]$/.test(profile) || !pupilId || !/^\d{7}[A-Za-z]$/.test(uai)) return undefined;
  const parent = profile === '1' || profile === '2';
  if (parent && (!familyName || !givenName)) return undefined;
  return { pupilId, uai: uai.toUpperCase(), ...(parent ? { guardian: { familyName, givenName } } : {}) };
}

function dedupe(keys: JoinKey[]): JoinKey[] {
  const seen = new Set<string>();
  return keys.filter((key) => {
    const text = JSON.stringify(key);
    if (seen.has(text)) return false;
    seen.add(text);
    return true;
  });
}
