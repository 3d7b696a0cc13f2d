// Reading a YAML configuration file the way every one of them is read (sync, SSO): parsed with line numbers,
// checked against its JSON Schema in schemas/config/, every mistake reported as `file:line: key.path: what was
// expected`, relative paths taken from the file's folder, and secrets read from the environment variables or
// files the configuration names, so that the file itself holds none.
import fs from 'node:fs';
import path from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { projectFolder } from '../model/project-folder.js';
import { ConfigError } from './config.js';

export type Path = Array<string | number>;
/** Where a secret is: an environment variable or a file (relative to the configuration file). */
export type SecretRef = { env: string } | { file: string };

/** A mistake in a configuration file, named by file, line and key. */
export class ConfigFileError extends ConfigError {
  constructor(
    readonly file: string,
    /** Where in the file, as `pulls[0].source.port`; empty for the file as a whole. */
    readonly at: string,
    readonly line: number | undefined,
    readonly problem: string,
  ) {
    super(`${file}${line ? `:${line}` : ''}: ${at ? `${at}: ` : ''}${problem}`);
    this.name = 'ConfigFileError';
  }
}

type ErrorClass = new (file: string, at: string, line: number | undefined, problem: string) => ConfigFileError;

/** Reads `file` (the variable `variable` names) or says clearly why it cannot. */
export function readConfigFile(variable: string, name: string): { file: string; text: string } {
  const file = path.resolve(name);
  try {
    return { file, text: fs.readFileSync(file, 'utf8') };
  } catch (error) {
    throw new ConfigError(`${variable} names ${file}, which cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

const schemas = new Map<string, { root: Record<string, any>; validate: ValidateFunction }>();

function compiledSchema(name: string): { root: Record<string, any>; validate: ValidateFunction } {
  let schema = schemas.get(name);
  if (schema) return schema;
  const root = JSON.parse(fs.readFileSync(path.join(projectFolder('schemas', 'common.schema.json'), 'config', name), 'utf8'));
  const ajv = new Ajv2020({ strict: true, strictRequired: false, allowUnionTypes: true, discriminator: true, verbose: true, allErrors: false });
  // A sentence for people, shown instead of ajv's wording where the schema has one.
  ajv.addKeyword({ keyword: 'expected', schemaType: 'string' });
  schema = { root, validate: ajv.compile(root) };
  schemas.set(name, schema);
  return schema;
}

const TYPE_NAMES: Record<string, string> = {
  object: 'a mapping of keys', array: 'a list', string: 'a string', integer: 'a whole number', number: 'a number', boolean: 'true or false',
};

function displayPath(at: Path): string {
  return at.map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`)).join('');
}

/** The parsed, schema-checked document, and what a configuration's own checks need to report and resolve. */
export class YamlConfigReader<Raw> {
  readonly data: Raw;
  readonly file: string;
  private readonly document: Document;
  private readonly lines = new LineCounter();
  private readonly error: ErrorClass;

  constructor(text: string, file: string, private readonly env: NodeJS.ProcessEnv, options: { schema: string; error: ErrorClass }) {
    this.file = path.resolve(file);
    this.error = options.error;
    this.document = parseDocument(text, { lineCounter: this.lines, uniqueKeys: true, prettyErrors: true });
    const syntax = this.document.errors[0];
    if (syntax) {
      throw new this.error(this.file, '', syntax.linePos?.[0].line, `expected well-formed YAML: ${syntax.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`);
    }
    const data: unknown = this.document.toJS({ maxAliasCount: 100 });
    const { root, validate } = compiledSchema(options.schema);
    if (!validate(data)) this.schemaFailure(validate.errors![0], root);
    this.data = data as Raw;
  }

  fail(at: Path, problem: string): never {
    throw new this.error(this.file, displayPath(at), this.lineOf(at), problem);
  }

  /** A path in the file, resolved from the file's folder. */
  path(relative: string): string {
    return path.resolve(path.dirname(this.file), relative);
  }

  /** A secret's value; `key` keeps it whole (PEM), `text` drops the newline files and variables often end with. */
  secret(ref: SecretRef, at: Path, kind: 'key' | 'text'): string {
    let value: string;
    if ('env' in ref) {
      const set = this.env[ref.env];
      if (!set) this.fail(at, `expected the environment variable ${ref.env} to hold this secret (it is not set)`);
      value = set;
    } else {
      value = this.readFile(ref.file, at, 'holding this secret');
    }
    return kind === 'key' ? value : value.replace(/\r?\n$/, '');
  }

  /** A file the configuration names (relative to it), as text. */
  readFile(relative: string, at: Path, what: string): string {
    const file = this.path(relative);
    try {
      return fs.readFileSync(file, 'utf8');
    } catch (error) {
      return this.fail(at, `expected a readable file ${file} ${what} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
    }
  }

  private lineOf(at: Path): number | undefined {
    for (let depth = at.length; depth >= 0; depth -= 1) {
      const node = depth === 0 ? this.document.contents : this.document.getIn(at.slice(0, depth), true);
      const offset = (node as { range?: [number, number, number] } | null | undefined)?.range?.[0];
      if (offset !== undefined) return this.lines.linePos(offset).line;
    }
    return undefined;
  }

  private schemaFailure(error: ErrorObject, root: Record<string, any>): never {
    const at: Path = error.instancePath.split('/').slice(1).map((part) => {
      const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
      return /^\d+$/.test(key) ? Number(key) : key;
    });
    const params = error.params as Record<string, any>;
    switch (error.keyword) {
      case 'required':
        return this.fail(at, `expected a key ${params.missingProperty}`);
      case 'additionalProperties':
        return this.fail([...at, params.additionalProperty], `unknown key ${params.additionalProperty}: expected one of ${Object.keys(error.parentSchema?.properties ?? {}).join(', ')}`);
      case 'unevaluatedProperties':
        return this.fail([...at, params.unevaluatedProperty], `unknown key ${params.unevaluatedProperty} for this kind`);
      case 'discriminator': {
        const kinds = (error.parentSchema?.oneOf as Array<{ $ref: string }>).map(({ $ref }) => root.$defs[$ref.split('/').pop()!].properties.kind.const);
        return this.fail([...at, 'kind'], `expected kind ${kinds.join(', ').replace(/, ([^,]+)$/, ' or $1')}`);
      }
    }
    const annotated = (error.parentSchema as { expected?: string } | undefined)?.expected;
    if (annotated) return this.fail(at, `expected ${annotated}`);
    switch (error.keyword) {
      case 'type': return this.fail(at, `expected ${String(params.type).split(',').map((t) => TYPE_NAMES[t] ?? t).join(' or ')}`);
      case 'enum': return this.fail(at, `expected one of ${(params.allowedValues as unknown[]).join(', ')}`);
      case 'const': return this.fail(at, `expected ${JSON.stringify(params.allowedValue)}`);
      case 'minimum': case 'maximum': case 'exclusiveMinimum': case 'exclusiveMaximum':
        return this.fail(at, `expected a number ${params.comparison} ${params.limit}`);
      default: return this.fail(at, `expected a value that ${error.message?.replace(/^must/, 'does')}`);
    }
  }
}
