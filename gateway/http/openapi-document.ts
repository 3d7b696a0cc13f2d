// Loads openapi/openapi.yaml and bundles it into one self-contained document: every schema file it refers to
// (schemas/*.schema.json) becomes a component, so the served /openapi.json, the request validator and the
// contract tests all read the same single document.
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { projectFolder } from '../model/project-folder.js';
import { withRegisteredEntities } from './registry-document.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** Keywords that only make sense at the root of a standalone schema file. */
const FILE_ONLY_KEYWORDS = ['$schema', '$id'];

export function openApiDirectory(): string {
  return projectFolder('openapi', 'openapi.yaml');
}

/** `person.schema.json` → `Person`, `guardianLink.schema.json` → `GuardianLink`. */
export function componentNameOf(file: string): string {
  const base = path.basename(file).replace(/\.schema\.json$|\.json$|\.ya?ml$/, '');
  return base.charAt(0).toUpperCase() + base.slice(1);
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Bundles the document at `entry` (YAML or JSON); exported for tests, use `loadOpenApiDocument`. */
export function bundleOpenApi(entry: string): JsonObject {
  const root = parseYaml(fs.readFileSync(entry, 'utf8')) as JsonObject;
  const ownSchemas = isObject(root.components) && isObject(root.components.schemas) ? root.components.schemas : {};
  const order = Object.keys(ownSchemas);
  const nameOfFile = new Map<string, string>();
  const pending: string[] = [];

  // A component that is only a reference to a whole file (`Person: {$ref: '../schemas/person.schema.json'}`)
  // names that file's component: the file's schema takes its place.
  for (const [name, schema] of Object.entries(ownSchemas)) {
    if (isObject(schema) && Object.keys(schema).length === 1 && typeof schema.$ref === 'string' && !schema.$ref.includes('#')) {
      const file = path.resolve(path.dirname(entry), schema.$ref);
      if (nameOfFile.has(file)) throw new Error(`${file} is named both ${nameOfFile.get(file)} and ${name}`);
      nameOfFile.set(file, name);
      pending.push(file);
    }
  }
  const aliases = new Set(nameOfFile.values());

  const componentFor = (file: string): string => {
    let name = nameOfFile.get(file);
    if (!name) {
      name = componentNameOf(file);
      if (name in ownSchemas || [...nameOfFile.values()].includes(name)) {
        throw new Error(`${file} would become components.schemas.${name}, which already exists`);
      }
      nameOfFile.set(file, name);
      pending.push(file);
    }
    return name;
  };

  /** Rewrites every `$ref` of `node`, read from `file`, to point inside the bundle. */
  const rewrite = (node: Json, file: string, ownName: string | null): Json => {
    if (Array.isArray(node)) return node.map((item) => rewrite(item, file, ownName));
    if (!isObject(node)) return node;
    const out: JsonObject = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') {
        out.$ref = rewriteRef(value, file, ownName);
      } else if (key === 'example' || key === 'examples') {
        out[key] = value; // examples are data, never references
      } else {
        out[key] = rewrite(value, file, ownName);
      }
    }
    return out;
  };

  const rewriteRef = (ref: string, file: string, ownName: string | null): string => {
    const hash = ref.indexOf('#');
    const target = hash === -1 ? ref : ref.slice(0, hash);
    const fragment = hash === -1 ? '' : ref.slice(hash + 1);
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) throw new Error(`${file}: remote reference ${ref} is not supported`);
    if (target === '') {
      // A reference inside the same file: inside a schema file, it now lives under that file's component.
      return ownName === null ? ref : `#/components/schemas/${ownName}${fragment}`;
    }
    const targetFile = path.resolve(path.dirname(file), target);
    if (!fs.existsSync(targetFile)) throw new Error(`${file}: ${ref} refers to a missing file ${targetFile}`);
    return `#/components/schemas/${componentFor(targetFile)}${fragment}`;
  };

  const bundled = rewrite(root, entry, null) as JsonObject;
  const components = (bundled.components ??= {}) as JsonObject;
  const rewrittenSchemas = (components.schemas ?? {}) as JsonObject;
  const fromFiles: JsonObject = {};
  while (pending.length > 0) {
    const file = pending.shift()!;
    const name = nameOfFile.get(file)!;
    const schema = JSON.parse(fs.readFileSync(file, 'utf8')) as JsonObject;
    for (const keyword of FILE_ONLY_KEYWORDS) delete schema[keyword];
    fromFiles[name] = rewrite(schema, file, name);
  }
  // The document's order, each alias replaced by its file's schema; files nobody named (Common) last.
  components.schemas = Object.fromEntries([
    ...order.map((name) => [name, aliases.has(name) ? fromFiles[name] : rewrittenSchemas[name]] as const),
    ...Object.entries(fromFiles).filter(([name]) => !aliases.has(name)),
  ]);
  return bundled;
}

let cached: JsonObject | undefined;

/**
 * The bundled OpenAPI document, read and bundled once per process. Each call returns a fresh copy, so a
 * caller (such as the request validator, which edits what it is given) cannot change anyone else's.
 */
export function loadOpenApiDocument(publicUrl?: string): Record<string, unknown> {
  cached ??= bundleOpenApi(path.join(openApiDirectory(), 'openapi.yaml'));
  const document = withRegisteredEntities(structuredClone(cached));
  if (!publicUrl) return document;
  // Relative URLs in the document (the token endpoint) become absolute, for tools that need them so.
  const base = publicUrl.endsWith('/') ? publicUrl : publicUrl + '/';
  const schemes = ((document.components as JsonObject).securitySchemes ?? {}) as JsonObject;
  for (const scheme of Object.values(schemes)) {
    for (const flow of Object.values((isObject(scheme) && isObject(scheme.flows) ? scheme.flows : {}) as JsonObject)) {
      if (isObject(flow) && typeof flow.tokenUrl === 'string') flow.tokenUrl = new URL(flow.tokenUrl.replace(/^\//, ''), base).href;
    }
  }
  // Keep `openapi` and `info` first for people reading the JSON.
  const { openapi, info, ...rest } = document;
  return { openapi, info, servers: [{ url: publicUrl }], ...rest };
}
