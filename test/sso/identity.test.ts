// What an upstream assertion says, read through a provider's mapping: join keys parsed from ÉduConnect's
// attributes (FrEduCtRefId, FrEduVecteur, the INE hash), the role from the affiliation, the subject.
import { describe, expect, it } from 'vitest';
import type { OidcProviderConfig } from '../../gateway/sso/config.js';
import { EDUCONNECT_LINK, EDUCONNECT_MAPPING } from '../../gateway/sso/educonnect.js';
import { aafJointure, identityOf, parseFrEduVecteur } from '../../gateway/sso/identity.js';

const educonnect = {
  id: 'educonnect', kind: 'oidc', name: 'ÉduConnect', issuer: 'https://idp.test', clientId: 'x', clientSecret: 'y', scopes: ['openid'], userinfo: true,
  mapping: EDUCONNECT_MAPPING, link: EDUCONNECT_LINK,
} satisfies OidcProviderConfig;
const OID = (n: number) => `urn:oid:1.3.6.1.4.1.20326.10.999.1.${n}`;

describe('ÉduConnect join keys', () => {
  it('reads the AAF jointure from a FrEduCtRefId, and nothing from its other forms', () => {
    expect(aafJointure('{AAF}10|ELV|1234567')).toBe('1234567');
    expect(aafJointure('AAF1234567')).toBeUndefined();
    expect(aafJointure('{AAF}10|ELV|')).toBeUndefined();
    expect(aafJointure('{AAF}10|ELV|1|2')).toBeUndefined();
  });

  it('reads a FrEduVecteur: a pupil by its school id and UAI, a parent with their names', () => {
    expect(parseFrEduVecteur('4|||701294|0790031e')).toEqual({ pupilId: '701294', uai: '0790031E' });
    expect(parseFrEduVecteur('2|MARTIN|Claire|701294|0790031E')).toEqual({ pupilId: '701294', uai: '0790031E', guardian: { familyName: 'MARTIN', givenName: 'Claire' } });
    expect(parseFrEduVecteur('2|||701294|0790031E')).toBeUndefined();
    expect(parseFrEduVecteur('5|||701294|0790031E')).toBeUndefined();
    expect(parseFrEduVecteur('4|||701294|nope')).toBeUndefined();
  });

  it('maps an assertion to subject, names, role and every key, each once', () => {
    const identity = identityOf(educonnect, {
      subject: 'nameid',
      session: {},
      attributes: {
        [OID(57)]: ['f00d'], [OID(7)]: ['eleve2d'], 'urn:oid:2.5.4.42': [' Léa '], 'urn:oid:2.5.4.4': ['Martin'],
        FrEduCtRefId: ['{AAF}10|ELV|AAF-LEA', '{AAF}10|ELV|AAF-LEA', 'ECT-ENT42'],
        FrEduVecteur: ['4|||701294|0790031E'],
        [OID(64)]: ['0123456789ABCDEF0123456789ABCDEF', 'not-a-hash'],
      },
    });
    expect(identity).toMatchObject({ provider: 'educonnect', subject: 'f00d', givenName: 'Léa', familyName: 'Martin', role: 'pupil' });
    expect(identity.keys).toEqual([
      { kind: 'source-id', source: 'aaf', value: 'AAF-LEA' },
      { kind: 'vector', source: 'siecle', pupilId: '701294', uai: '0790031E' },
      { kind: 'ine-hash', algorithm: 'md5', value: '0123456789abcdef0123456789abcdef' },
    ]);
  });

  it('takes the NameID when the subject attribute is absent, and no role from an affiliation it does not know', () => {
    const identity = identityOf(educonnect, { subject: 'nameid', session: {}, attributes: { [OID(7)]: ['autre'] } });
    expect(identity.subject).toBe('nameid');
    expect(identity.role).toBeUndefined();
    expect(identity.keys).toEqual([]);
  });
});
