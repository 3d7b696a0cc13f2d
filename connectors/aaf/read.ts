// The académie's federating directory files for ENTs (AAF, `ficAlimMENESR`, version AAF-VE1301): each file a
// list of addRequest (complete files), modifyRequest and deleteRequest (delta files), read as they stream by.
// Values are plain text; multi-valued attributes repeat <value>; sub-fields inside a value are separated by `$`.
import type { ConnectorProblem } from '../kit/problem.js';
import { childText, readXmlElements, type XmlElement } from '../kit/xml.js';

export interface AafRequest {
  kind: 'add' | 'modify' | 'delete';
  /** `Eleve`, `PersEducNat`, `PersRelEleve`, `EtabEducNat`, `MatEducNat`, `MefEducNat`… */
  category: string;
  id: string;
  /** Attribute name → its values (empty values left out). For a modify, the replaced attributes. */
  attributes: Record<string, string[]>;
  line: number;
}

export type AafItem = { kind: 'request'; request: AafRequest } | { kind: 'problem'; problem: ConnectorProblem };

const KINDS: Record<string, AafRequest['kind']> = { addRequest: 'add', modifyRequest: 'modify', deleteRequest: 'delete' };

function valuesOf(attr: XmlElement): string[] {
  return attr.children.filter((c) => c.name === 'value').map((c) => c.text).filter((v) => v !== '');
}

/** The requests of one AAF file, with a problem for each request that lacks its category or identifier. */
export async function* readAafRequests(source: AsyncIterable<Buffer | Uint8Array>, options: { file: string }): AsyncGenerator<AafItem> {
  const elements = readXmlElements(source, { file: options.file, select: (name, ancestors) => ancestors.length === 1 && name in KINDS });
  for await (const element of elements) {
    const operational = element.children.find((c) => c.name === 'operationalAttributes');
    const category = operational?.children.find((c) => c.name === 'attr')?.children.find((c) => c.name === 'value')?.text;
    const identifier = element.children.find((c) => c.name === 'identifier');
    const id = identifier ? childText(identifier, 'id') : undefined;
    if (!category || !id) {
      yield { kind: 'problem', problem: {
        file: options.file, line: element.line, field: category ? 'identifier' : 'operationalAttributes', code: 'invalid-request', severity: 'error',
        detail: `${element.name} has no ${category ? 'identifier/id' : 'category (operationalAttributes/attr/value)'}`,
      } };
      continue;
    }
    const attributes: Record<string, string[]> = {};
    const holder = element.children.find((c) => c.name === 'attributes' || c.name === 'modifications');
    for (const attr of holder?.children ?? []) {
      const name = attr.attributes.name;
      if ((attr.name === 'attr' || attr.name === 'modification') && name) attributes[name] = valuesOf(attr);
    }
    yield { kind: 'request', request: { kind: KINDS[element.name], category, id, attributes, line: element.line } };
  }
}
