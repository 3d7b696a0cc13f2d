// Imports a complete AAF delivery (the académie's files for ENTs) into the establishments it covers: the
// EtabEducNat files say which UAI each AAF structure is; pupils, guardians (in the establishments of the
// pupils that name them) and staff then go to their establishments, one complete import each.
// TODO(issue 4): delta files (modify and delete requests) and MatiereEducNat/MefEducNat; records are held per
// establishment in memory until that establishment is written, to be streamed when jobs take this over.
import path from 'node:path';
import type { Kysely } from 'kysely';
import { guardianOf, pupilOf, SOURCE, staffOf, structureOf, type StructuredOperation } from '../../connectors/aaf/map.js';
import { readAafRequests, type AafRequest } from '../../connectors/aaf/read.js';
import type { CanonicalOperation, ConnectorItem } from '../../connectors/kit/operation.js';
import { FileProblem, type ConnectorProblem } from '../../connectors/kit/problem.js';
import { UnknownEstablishment } from '../store/records.js';
import type { Database } from '../store/tables.js';
import { importRoster, type RosterImportReport } from './import-roster.js';

export interface AafFile {
  name: string;
  open(): AsyncIterable<Buffer | Uint8Array>;
}

export interface AafImportReport {
  establishments: { uai: string; report: RosterImportReport }[];
  problems: ConnectorProblem[];
}

const CATEGORY_OF_FILE: [RegExp, string][] = [
  [/EtabEducNat_\d+\.xml$/i, 'EtabEducNat'],
  [/_Eleve_\d+\.xml$/i, 'Eleve'],
  [/PersRelEleve_\d+\.xml$/i, 'PersRelEleve'],
  [/PersEducNat_\d+\.xml$/i, 'PersEducNat'],
];

const ORDER: CanonicalOperation['entity'][] = ['group', 'person', 'membership', 'guardianLink'];

export async function importAaf(
  db: Kysely<Database>,
  files: AafFile[],
  options: { confirmed?: boolean; maxDeletionShare?: number; lenientIdentifiers?: boolean },
): Promise<AafImportReport> {
  const problems: ConnectorProblem[] = [];
  const byCategory = (category: string) => files.filter((f) => CATEGORY_OF_FILE.some(([pattern, c]) => c === category && pattern.test(path.basename(f.name))));

  async function* requestsOf(category: string): AsyncGenerator<{ request: AafRequest; file: string }> {
    for (const file of byCategory(category)) {
      try {
        for await (const item of readAafRequests(file.open(), { file: file.name })) {
          if (item.kind === 'problem') problems.push(item.problem);
          else if (item.request.kind !== 'add') {
            problems.push({ file: file.name, line: item.request.line, code: 'unsupported-request', severity: 'warning', detail: `${item.request.kind}Request is not applied yet: import complete files` });
          } else yield { request: item.request, file: file.name };
        }
      } catch (error) {
        if (!(error instanceof FileProblem)) throw error;
        problems.push(error.problem);
      }
    }
  }

  const structures = new Map<string, string>(); // jointure → UAI
  for await (const { request, file } of requestsOf('EtabEducNat')) {
    const structure = structureOf(request, { file, line: request.line });
    if ('detail' in structure) problems.push(structure);
    else structures.set(structure.jointure, structure.uai);
  }

  const perStructure = new Map<string, Map<string, CanonicalOperation>>();
  const add = ({ structure, operation }: StructuredOperation) => {
    const operations = perStructure.get(structure) ?? new Map<string, CanonicalOperation>();
    perStructure.set(structure, operations);
    const key = `${operation.entity}:${(operation.record.sourceIds as Record<string, string>)[SOURCE]}`;
    if (!operations.has(key)) operations.set(key, operation);
  };
  const guardianStructures = new Map<string, Set<string>>();
  for await (const { request, file } of requestsOf('Eleve')) {
    const mapped = pupilOf(request, { file, line: request.line });
    problems.push(...mapped.problems);
    for (const item of mapped.operations) {
      add(item);
      if (item.operation.entity === 'guardianLink') {
        const guardianId = item.operation.links!.guardianId.id;
        guardianStructures.set(guardianId, (guardianStructures.get(guardianId) ?? new Set()).add(item.structure));
      }
    }
  }
  for await (const { request, file } of requestsOf('PersRelEleve')) {
    const guardian = guardianOf(request, { file, line: request.line });
    if ('detail' in guardian) {
      problems.push(guardian);
      continue;
    }
    for (const structure of guardianStructures.get(request.id) ?? []) add({ structure, operation: guardian });
  }
  for await (const { request, file } of requestsOf('PersEducNat')) {
    const mapped = staffOf(request, { file, line: request.line });
    problems.push(...mapped.problems);
    mapped.operations.forEach(add);
  }

  const establishments: AafImportReport['establishments'] = [];
  for (const [structure, operations] of perStructure) {
    const uai = structures.get(structure);
    if (!uai) {
      problems.push({ file: '(delivery)', field: 'ENTStructureJointure', code: 'unknown-structure', severity: 'warning', detail: `structure ${structure} is used but no EtabEducNat file describes it; its ${operations.size} records are left out` });
      continue;
    }
    const ordered = [...operations.values()].sort((a, b) => ORDER.indexOf(a.entity) - ORDER.indexOf(b.entity));
    async function* items(): AsyncGenerator<ConnectorItem> {
      for (const operation of ordered) yield { kind: 'operation', operation };
    }
    try {
      establishments.push({ uai, report: await importRoster(db, items(), { uai, source: SOURCE, mode: 'complete', ...options }) });
    } catch (error) {
      if (!(error instanceof UnknownEstablishment)) throw error;
      problems.push({ file: '(delivery)', field: 'ENTStructureUAI', code: 'unknown-establishment', severity: 'error', detail: `establishment ${uai} (structure ${structure}) is not known to the gateway: import the national directory first (passerelle import annuaire)` });
    }
  }
  return { establishments, problems };
}
