// Validates canonical records against the JSON Schemas in schemas/, compiled once. Every record that enters
// the store goes through here; problems come back as JSON pointers with a sentence naming what was expected.
import fs from 'node:fs';
import path from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import _addFormats from 'ajv-formats';
import { ineWithKey, isUaiShaped, isValidIne, isValidUai, uaiCheckLetter } from './identifiers.js';
import { valueAtPointer } from './json-pointer.js';
import { projectFolder } from './project-folder.js';
import { entityNamed } from './registry.js';
import type { CanonicalEntity } from '../../connectors/kit/operation.js';

const addFormats = _addFormats as unknown as typeof _addFormats.default;

/** The entities the gateway ships with, for code that names them; any registered entity is a `string`. */
export type Entity = 'establishment' | CanonicalEntity;

export interface FieldProblem {
  /** JSON pointer into the validated value, such as `/ine`. */
  pointer: string;
  detail: string;
}

export function schemasDirectory(): string {
  return projectFolder('schemas', 'common.schema.json');
}

/** Registers the formats the schemas use beyond ajv-formats: `uai` and `ine`, checked by their keys. */
export function addPasserelleFormats(ajv: Ajv2020): Ajv2020 {
  addFormats(ajv);
  ajv.addFormat('uai', { type: 'string', validate: isValidUai });
  ajv.addFormat('ine', { type: 'string', validate: isValidIne });
  ajv.addFormat('uai-reference', { type: 'string', validate: isUaiShaped });
  return ajv;
}

export function loadSchemas(): Record<string, object> {
  const dir = schemasDirectory();
  const schemas: Record<string, object> = {};
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.schema.json')).sort()) {
    schemas[file] = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as object;
  }
  return schemas;
}

export interface ValidationOptions {
  /** UAI and INE checked by their shape only, their keys left to `identifierKeyWarnings`: test feeds carry invented keys. */
  lenientIdentifiers?: boolean;
}

/**
 * The same formats, UAI and INE by their shape only: what lenient imports accept, hence what stored records
 * (and the API's answers) may carry.
 */
export function addShapeFormats(ajv: Ajv2020): Ajv2020 {
  addFormats(ajv);
  ajv.addFormat('uai', /^[0-9]{7}[A-Z]$/);
  ajv.addFormat('ine', /^[0-9A-Z]{11}$/);
  ajv.addFormat('uai-reference', { type: 'string', validate: isUaiShaped });
  return ajv;
}

function createAjv(lenient: boolean): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: true, useDefaults: false });
  if (lenient) addShapeFormats(ajv);
  else addPasserelleFormats(ajv);
  for (const [file, schema] of Object.entries(loadSchemas())) ajv.addSchema(schema, file);
  return ajv;
}

const compilers = new Map<boolean, Ajv2020>();
/** Each descriptor's schema compiled once per mode (a registered schema object is its own key). */
const validators = new Map<boolean, WeakMap<object, ValidateFunction>>();

function validatorFor(entity: string, lenient: boolean): ValidateFunction {
  const { schema } = entityNamed(entity);
  let ajv = compilers.get(lenient);
  if (!ajv) {
    ajv = createAjv(lenient);
    compilers.set(lenient, ajv);
    validators.set(lenient, new WeakMap());
  }
  if (typeof schema === 'string') return ajv.getSchema(schema) ?? missingSchema(entity, schema);
  const compiled = validators.get(lenient)!;
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

function missingSchema(entity: string, file: string): never {
  throw new Error(`the schema ${file} of ${entity} is not in ${schemasDirectory()}`);
}

/** Checks one record of an entity; an empty list means the record is valid. */
export function validateRecord(entity: string, record: unknown, options: ValidationOptions = {}): FieldProblem[] {
  const validate = validatorFor(entity, options.lenientIdentifiers ?? false);
  if (validate(record)) return [];
  return describeErrors(validate.errors ?? [], record);
}

/** The identifiers of a record whose keys do not check out: what a lenient import reports as warnings. */
export function identifierKeyWarnings(record: Record<string, unknown>): FieldProblem[] {
  const warnings: FieldProblem[] = [];
  if (typeof record.uai === 'string' && !isValidUai(record.uai)) {
    warnings.push({ pointer: '/uai', detail: describeFormat('uai', record.uai) });
  }
  if (typeof record.ine === 'string' && !isValidIne(record.ine)) {
    warnings.push({ pointer: '/ine', detail: describeFormat('ine', record.ine) });
  }
  return warnings;
}


/** Turns ajv errors into one problem per field, worded for the person who sent the data. */
export function describeErrors(errors: ErrorObject[], root: unknown): FieldProblem[] {
  const problems = new Map<string, string>();
  for (const error of errors) {
    if (error.keyword === 'if') continue; // the failing `then` branch says what is wrong
    let pointer = error.instancePath;
    let detail: string;
    const params = error.params as Record<string, unknown>;
    switch (error.keyword) {
      case 'required':
        pointer = `${pointer}/${String(params.missingProperty)}`;
        detail = 'is required';
        break;
      case 'unevaluatedProperties':
      case 'additionalProperties': {
        const name = String(params.unevaluatedProperty ?? params.additionalProperty);
        pointer = `${pointer}/${name}`;
        detail = 'is not a known field of this record';
        break;
      }
      case 'format':
        detail = describeFormat(String(params.format), valueAtPointer(root, pointer));
        break;
      case 'enum':
        detail = `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
        break;
      case 'false schema':
        detail = 'is not allowed on this kind of record';
        break;
      default:
        detail = error.message ?? 'is invalid';
    }
    if (!problems.has(pointer)) problems.set(pointer, detail);
  }
  return [...problems].map(([pointer, detail]) => ({ pointer, detail }));
}

function describeFormat(format: string, value: unknown): string {
  const shown = JSON.stringify(value);
  if (format === 'uai') {
    const expected = typeof value === 'string' && /^[0-9]{7}[A-Z]$/.test(value)
      ? `; its check letter should be ${uaiCheckLetter(value.slice(0, 7))}`
      : '';
    return `must be a UAI: 7 digits and a check letter, upper case (got ${shown}${expected})`;
  }
  // A UAI naming an establishment to look up: the store may hold test feeds' UAIs, whose letters do not check out.
  if (format === 'uai-reference') return `must be a UAI: 7 digits and a letter, upper case (got ${shown})`;
  if (format === 'ine') {
    const expected = typeof value === 'string' && /^[0-9]{10}[A-Z]$/.test(value) ? `; its key should be ${ineWithKey(value.slice(0, 10))[10]}` : '';
    return `must be an INE: 11 characters with a valid key, such as 0494004062M (got ${shown}${expected})`;
  }
  if (format === 'date') {
    return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)
      ? `is not a day of the calendar (got ${shown})`
      : `must be a date as YYYY-MM-DD (got ${shown})`;
  }
  if (format === 'uuid') return `must be a UUID (got ${shown})`;
  return `must be a valid ${format} (got ${shown})`;
}
