// GAR-ENT files as the GAR takes them: named `<idENT>_GAR-ENT_Complet_<yyyyMMdd_HHmmss>_<2D|1D>_<Kind>_<NNNN>.xml`
// and holding at most 10,000 nodes (elements) each, as ODE's exporters deliver them (gar-connector
// XmlExportHelperImpl). A series of one kind starts a new numbered file when the next entry would not fit; every
// file is a whole document, so each stands alone against the schema.
import type { GarDegree } from './records.js';
import { nodeCount, serialiseNode, type GarNode } from './xml-node.js';

export const MAX_NODES = 10_000;

export type GarFileKind = 'Etab' | 'Eleve' | 'Enseignant' | 'Groupe';

export const GAR_NAMESPACE: Readonly<Record<GarDegree, string>> = { '2D': 'http://data.education.fr/ns/gar', '1D': 'http://data.education.fr/ns/gar/1d' };
const SCHEMA_FILE: Readonly<Record<GarDegree, string>> = { '2D': 'GAR-ENT.xsd', '1D': 'GAR-ENT-1D.xsd' };

/** Where the writer's bytes go: one output per file name, written in order and ended. */
export interface GarOutput {
  write(chunk: string): Promise<void>;
  end(): Promise<void>;
}
export type GarSink = (fileName: string) => GarOutput;

export interface GarNaming {
  /** The ENT's identifier at the GAR (idENT), which it assigns to each ENT. */
  entId: string;
  /** `yyyyMMdd_HHmmss`, one for every file of an export. */
  stamp: string;
  degree: GarDegree;
}

export function garFileName(naming: GarNaming, kind: GarFileKind, index: number): string {
  return `${garPackageName(naming)}_${kind}_${String(index).padStart(4, '0')}.xml`;
}

/** The files' common prefix, which also names the archive and its checksum. */
export function garPackageName({ entId, stamp, degree }: GarNaming): string {
  return `${entId}_GAR-ENT_Complet_${stamp}_${degree}`;
}

/** `yyyyMMdd_HHmmss` in Paris time, the time of the ENTs that deliver. */
export function garStamp(at: Date): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })
      .formatToParts(at).map((p) => [p.type, p.value]),
  );
  return `${parts.year}${parts.month}${parts.day}_${parts.hour}${parts.minute}${parts.second}`;
}

export class GarFileSeries {
  readonly files: string[] = [];
  private output?: GarOutput;
  private nodes = 0;

  constructor(private readonly sink: GarSink, private readonly naming: GarNaming, private readonly kind: GarFileKind) {}

  async add(entry: GarNode): Promise<void> {
    const size = nodeCount(entry);
    if (!this.output || this.nodes + size > MAX_NODES) await this.next();
    this.nodes += size;
    await this.output!.write(serialiseNode(entry));
  }

  /** Ends the last file; a kind with no entry at all still gets its (empty) file, as a complete export must. */
  async close(): Promise<string[]> {
    if (!this.output) await this.next();
    await this.end();
    return this.files;
  }

  private async next(): Promise<void> {
    await this.end();
    const name = garFileName(this.naming, this.kind, this.files.length);
    this.files.push(name);
    this.output = this.sink(name);
    this.nodes = 1;
    const { degree } = this.naming;
    // Version 1.0 on the root is what ODE's exporters write and the GAR accepts; the schema leaves it free.
    await this.output.write(`<?xml version="1.0" encoding="UTF-8"?>\n<men:GAR-ENT-${this.kind} xmlns:men="${GAR_NAMESPACE[degree]}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="${GAR_NAMESPACE[degree]} ${SCHEMA_FILE[degree]}" Version="1.0">\n`);
  }

  private async end(): Promise<void> {
    if (!this.output) return;
    await this.output.write(`</men:GAR-ENT-${this.kind}>\n`);
    await this.output.end();
    this.output = undefined;
  }
}
