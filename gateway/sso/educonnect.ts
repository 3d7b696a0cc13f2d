// ÉduConnect's SAML attributes (urn:oid:1.3.6.1.4.1.20326.10.999.1.<n>, as the public integrations read them:
// pass Culture, SNU, ENTCORE) and how Passerelle reads them by default. The parents' affiliation values are not
// in any public source [UNVERIFIED]: the values below are the likely ones; a deployment that sees others maps
// them in its configuration (attributes.role.values).
import type { AttributeMapping, LinkRule } from './config.js';

const OID = (n: number) => `urn:oid:1.3.6.1.4.1.20326.10.999.1.${n}`;

export const EDUCONNECT_ATTRIBUTES = {
  FrEduUrlRetour: OID(5),
  FrEduCtPersonAffiliation: OID(7),
  FrEduCtId: OID(57),
  FrEduCtEleveINEHash: OID(64),
  FrEduCtDateNaissance: OID(67),
  FrEduCtEleveUAI: OID(72),
  FrEduCtEleveNiveau: OID(73),
  givenName: 'urn:oid:2.5.4.42',
  sn: 'urn:oid:2.5.4.4',
} as const;

export const EDUCONNECT_MAPPING: AttributeMapping = {
  subject: [EDUCONNECT_ATTRIBUTES.FrEduCtId, 'FrEduCtId'],
  givenName: [EDUCONNECT_ATTRIBUTES.givenName, 'givenName'],
  familyName: [EDUCONNECT_ATTRIBUTES.sn, 'sn'],
  role: {
    attribute: [EDUCONNECT_ATTRIBUTES.FrEduCtPersonAffiliation, 'FrEduCtPersonAffiliation'],
    values: { eleve1d: 'pupil', eleve2d: 'pupil', responsable1d: 'guardian', responsable2d: 'guardian', parent1d: 'guardian', parent2d: 'guardian' },
  },
};

export const EDUCONNECT_LINK: readonly LinkRule[] = [
  { claim: 'FrEduCtRefId', kind: 'source-id', source: 'aaf', format: 'aaf-ref' },
  { claim: 'FrEduVecteur', kind: 'vector', source: 'siecle' },
  { claim: EDUCONNECT_ATTRIBUTES.FrEduCtEleveINEHash, kind: 'ine-hash', algorithm: 'md5' },
];
