// What an AAF delivery means, planned with no store (connectors/aaf/plan.ts and changes.ts): where each record
// goes, how classes are placed, where guardians go, and how a delta moves a pupil between establishments.
import { describe, expect, it } from 'vitest';
import { modificationInPlace, pupilMove, type StoredLink } from '../../connectors/aaf/changes.js';
import { personModification } from '../../connectors/aaf/map.js';
import { DeliveryPlan, type PlanItem } from '../../connectors/aaf/plan.js';
import type { AafRequest } from '../../connectors/aaf/read.js';

const at = { file: 'ENT_Complet_20260901_Eleve_0000.xml', line: 1 };
let line = 0;
const request = (category: string, id: string, attributes: Record<string, string[]>, kind: AafRequest['kind'] = 'add'): AafRequest =>
  ({ kind, category, id, attributes, line: ++line });
const pupil = (id: string, structure: string, classes: string[], extra: Record<string, string[]> = {}) => request('Eleve', id, {
  sn: ['NOM'], givenName: ['Prénom'], ENTPersonStructRattach: [structure], ENTEleveClasses: classes, ...extra,
});
const writes = (items: Iterable<PlanItem>) => [...items].flatMap((item) => item.kind === 'write' ? [item] : []);

describe('an AAF delivery planned', () => {
  it('gives a class the level most of its pupils are in, ties going to the smallest level', () => {
    const plan = new DeliveryPlan('complete');
    plan.take('Eleve', pupil('1', '52000', ['52000$5B'], { ENTEleveNiveau: ['5EME'] }), at);
    plan.take('Eleve', pupil('2', '52000', ['52000$5B'], { ENTEleveNiveau: ['4EME'] }), at);
    plan.take('Eleve', pupil('3', '52000', ['52000$5B'], { ENTEleveNiveau: ['5EME'] }), at);
    plan.take('Eleve', pupil('4', '52000', ['52000$6A'], { ENTEleveNiveau: ['6EME'] }), at);
    plan.take('Eleve', pupil('5', '52000', ['52000$6A'], { ENTEleveNiveau: ['5EME'] }), at);
    const groups = writes(plan.gathered(new Map())).filter((item) => item.operation.entity === 'group');
    expect(groups.map((item) => [item.to, item.operation.record.code, item.operation.record.level])).toEqual([
      [{ structure: '52000' }, '5B', '5E'],
      [{ structure: '52000' }, '6A', '5E'],
    ]);
  });

  it('sends a guardian to the structure of each pupil that names it, once each', () => {
    const plan = new DeliveryPlan('complete');
    plan.take('Eleve', pupil('1', '52000', [], { ENTElevePersRelEleve: ['9$10$1$1$1$1'] }), at);
    plan.take('Eleve', pupil('2', '52000', [], { ENTElevePersRelEleve: ['9$10$1$1$1$1'] }), at);
    plan.take('Eleve', pupil('3', '81000', [], { ENTElevePersRelEleve: ['9$10$1$1$1$1'] }), at);
    const guardian = plan.take('PersRelEleve', request('PersRelEleve', '9', { sn: ['PARENT'], givenName: ['Marc'] }), at);
    expect(writes(guardian).map((item) => item.to)).toEqual([{ structure: '52000' }, { structure: '81000' }]);
  });

  it('hands a delta\'s modifications back to be planned against the store, and refuses them in a complete delivery', () => {
    const modify = request('Eleve', '1', { sn: ['AUTRE'] }, 'modify');
    expect(new DeliveryPlan('delta').take('Eleve', modify, at)).toEqual([{ kind: 'defer', deferred: { category: 'Eleve', request: modify, position: at } }]);
    expect(new DeliveryPlan('complete').take('Eleve', modify, at)).toEqual([{ kind: 'problem', problem: expect.objectContaining({ code: 'unexpected-request', severity: 'error' }) }]);
  });

  it('moves a pupil to its new establishment with its guardians, deleting it and its links where it was', () => {
    const plan = new DeliveryPlan('delta');
    plan.take('EtabEducNat', request('EtabEducNat', '81000', { ENTStructureUAI: ['0691235B'], ENTStructureJointure: ['81000'] }), at);
    const modify = request('Eleve', '1', { ENTPersonStructRattach: ['81000'], ENTEleveClasses: ['81000$CM2'] }, 'modify');
    const change = personModification(modify, 'pupil', at);
    const row = { id: 'p1', uai: '0691234A', data: { kind: 'pupil', familyName: 'NOM', givenName: 'Prénom' } };
    const linked: StoredLink[] = [
      { id: 'm1', uai: '0691234A', entity: 'membership', data: { personId: 'p1', groupId: 'g1' }, sourceIds: { aaf: '1@52000$5B' }, groupKind: 'division' },
      { id: 'l1', uai: '0691234A', entity: 'guardianLink', data: { pupilId: 'p1', guardianId: 'gd1', legalRepresentative: true }, sourceIds: { aaf: '9>1' }, groupKind: null },
    ];
    const items = writes(pupilMove(plan, modify, at, row, linked, change, '0691235B', [{ guardianId: '9', legal: true }], new Map([['9', { kind: 'guardian', familyName: 'PARENT', givenName: 'Marc' }]])));
    expect(items.map((item) => [item.to, item.operation.op, item.operation.entity])).toEqual([
      [{ establishment: '0691234A' }, 'delete', 'membership'],
      [{ establishment: '0691234A' }, 'delete', 'guardianLink'],
      [{ establishment: '0691234A' }, 'delete', 'person'],
      [{ establishment: '0691235B' }, 'upsert', 'person'],
      [{ structure: '81000' }, 'upsert', 'membership'],
      [{ establishment: '0691235B' }, 'upsert', 'person'],
      [{ establishment: '0691235B' }, 'upsert', 'guardianLink'],
    ]);
    expect(plan.leftBehind).toEqual(new Set(['0691234A']));
    // The class it joins is gathered with the delivery's others.
    expect(writes(plan.gathered(new Map())).map((item) => [item.to, item.operation.record.code])).toEqual([[{ structure: '81000' }, 'CM2']]);
  });

  it('replaces in place the classes a modification lists, deleting the memberships it no longer names', () => {
    const plan = new DeliveryPlan('delta');
    const modify = request('Eleve', '1', { ENTEleveClasses: ['52000$5C'] }, 'modify');
    const row = { id: 'p1', uai: '0691234A', data: { kind: 'pupil', familyName: 'NOM', givenName: 'Prénom' } };
    const linked: StoredLink[] = [
      { id: 'm1', uai: '0691234A', entity: 'membership', data: { personId: 'p1', groupId: 'g1' }, sourceIds: { aaf: '1@52000$5B' }, groupKind: 'division' },
      { id: 'm2', uai: '0691234A', entity: 'membership', data: { personId: 'p1', groupId: 'g2' }, sourceIds: { aaf: '1@52000$LATIN' }, groupKind: 'group' },
    ];
    const items = writes(modificationInPlace(plan, 'Eleve', modify, at, row, linked, personModification(modify, 'pupil', at)));
    expect(items.map((item) => [item.operation.op, item.operation.entity, item.operation.record.id ?? item.operation.record.sourceIds])).toEqual([
      ['upsert', 'person', { aaf: '1' }],
      ['upsert', 'membership', { aaf: '1@52000$5C' }],
      ['delete', 'membership', 'm1'],
    ]);
  });
});
