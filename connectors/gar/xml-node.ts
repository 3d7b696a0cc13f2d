// The small element trees the GAR writer builds, one per top-level entry (a pupil, a group…), and how they are
// written: every element in the `men:` namespace prefix, indented, text escaped. Whole documents are never
// built: a file is its root tags around entries written one at a time.

export interface GarNode {
  name: string;
  text?: string;
  children?: GarNode[];
}

// XML 1.0 has no way to carry C0 controls other than tab and line breaks, even escaped.
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

export function escapeXml(text: string): string {
  return text.replace(NOT_XML, '').replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'));
}

/** The element and its descendants, as GAR counts nodes when it limits a file's size. */
export function nodeCount(node: GarNode): number {
  return 1 + (node.children ?? []).reduce((sum, child) => sum + nodeCount(child), 0);
}

export function serialiseNode(node: GarNode, depth = 1): string {
  const pad = '  '.repeat(depth);
  if (!node.children) return `${pad}<men:${node.name}>${escapeXml(node.text ?? '')}</men:${node.name}>\n`;
  return `${pad}<men:${node.name}>\n${node.children.map((child) => serialiseNode(child, depth + 1)).join('')}${pad}</men:${node.name}>\n`;
}
