// Finds a folder of the project (schemas/, openapi/) from the running module, whether it runs from the
// sources (gateway/…) or from the build (dist/gateway/…).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project folder `name`, found by walking up until `name/marker` exists. */
export function projectFolder(name: string, marker: string): string {
  const start = path.dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, name, marker))) return path.join(dir, name);
    if (path.dirname(dir) === dir) throw new Error(`${name}/${marker} not found above ${start}`);
  }
}
