// JSON pointers (RFC 6901), as problems and schemas use them to name a place in a document.

/** The value a pointer designates, or undefined when the path does not exist. */
export function valueAtPointer(root: unknown, pointer: string): unknown {
  let value = root;
  for (const token of pointer.split('/').slice(1)) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[token.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return value;
}

/** One path segment written as a pointer token (`/v1/changes` → `~1v1~1changes`). */
export function pointerToken(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}
