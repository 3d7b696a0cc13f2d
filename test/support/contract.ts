// Checks an HTTP response against the OpenAPI document: the operation is found from the method and the URL's
// path, the response from the status; then the content type, the documented headers and the body (ajv 2020 on
// the bundled document) must match. test/support/api.ts runs this on every response the tests receive.
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { loadOpenApiDocument } from '../../gateway/http/openapi-document.js';
import { addShapeFormats } from '../../gateway/model/validate.js';
import { pointerToken, valueAtPointer } from '../../gateway/model/json-pointer.js';

type JsonObject = Record<string, unknown>;

export interface ResponseToCheck {
  method: string;
  /** Absolute URL or path, with or without a query string. */
  url: string;
  status: number;
  headers: Headers | Record<string, string | undefined>;
  /** Parsed JSON, text, or null for an empty body. */
  body: unknown;
}

export interface CheckedResponse {
  /** The operation the response was checked against; null when the document does not describe the path. */
  operationId: string | null;
}

const DOCUMENT_ID = 'openapi.json';
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

let state: { document: JsonObject; ajv: Ajv2020; routes: Route[]; validators: Map<string, ValidateFunction> } | undefined;

interface Route {
  template: string;
  pattern: RegExp;
  parameters: number;
}

function load(): NonNullable<typeof state> {
  if (state) return state;
  const document = loadOpenApiDocument();
  // OpenAPI keywords (discriminator, example…) are not JSON Schema's: strict mode would refuse them. Answers
  // show what the store holds, and imports of test feeds (lenient identifiers) store UAIs and INEs whose keys do
  // not check out: answers are held to the identifiers' shapes, the keys being checked where records come in.
  const ajv = addShapeFormats(new Ajv2020({ strict: false, allErrors: true, validateSchema: false }));
  ajv.addSchema({ ...document, $id: DOCUMENT_ID });
  const routes = Object.keys(document.paths as JsonObject).map((template) => ({
    template,
    pattern: new RegExp(
      '^' + template.split(/\{[^}]+\}/).map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')).join('([^/]+)') + '$',
    ),
    parameters: (template.match(/\{/g) ?? []).length,
  }));
  // A literal segment beats a parameter: /v1/changes before /v1/{anything}.
  routes.sort((a, b) => a.parameters - b.parameters);
  state = { document, ajv, routes, validators: new Map() };
  return state;
}



/** Follows a `$ref` (such as `#/components/responses/NotFound`) and says where the object really lives. */
function follow(document: JsonObject, pointer: string): { pointer: string; value: JsonObject } {
  let current = pointer;
  let value = valueAtPointer(document, current) as JsonObject;
  while (value && typeof value.$ref === 'string') {
    current = value.$ref.replace(/^#/, '');
    value = valueAtPointer(document, current) as JsonObject;
  }
  return { pointer: current, value };
}

function validatorAt(pointer: string): ValidateFunction {
  const { ajv, validators } = load();
  let validate = validators.get(pointer);
  if (!validate) {
    validate = ajv.getSchema(`${DOCUMENT_ID}#${pointer}`);
    if (!validate) throw new Error(`the document has no schema at ${pointer}`);
    validators.set(pointer, validate);
  }
  return validate;
}

function header(headers: ResponseToCheck['headers'], name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : headers[key];
}

function mediaType(contentType: string | undefined): string | undefined {
  return contentType?.split(';')[0].trim().toLowerCase() || undefined;
}

function describeAjv(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .slice(0, 10)
    .map((e) => `  ${e.instancePath || '(root)'} ${e.message ?? ''} ${JSON.stringify(e.params)} [${e.schemaPath}]`)
    .join('\n');
}

function shown(body: unknown): string {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return text === undefined ? 'undefined' : text.length > 600 ? text.slice(0, 600) + '…' : text;
}

/**
 * Throws an Error naming the operation, the status and what does not match when the response is not one
 * the document describes. Paths outside the document and outside /v1 (/oauth, /docs, /metrics…) are not
 * checked; unknown /v1 paths and undocumented methods may only answer a problem.
 */
export function validateResponse(response: ResponseToCheck): CheckedResponse {
  const { document, routes } = load();
  const method = response.method.toLowerCase();
  const path = new URL(response.url, 'http://localhost').pathname;
  const where = `${response.method.toUpperCase()} ${path} → ${response.status}`;
  const contentType = mediaType(header(response.headers, 'content-type'));
  const fail = (operation: string, problem: string): never => {
    throw new Error(`response does not match the OpenAPI document: ${where} (${operation}): ${problem}\nbody: ${shown(response.body)}`);
  };
  const expectProblem = (operation: string): void => {
    if (response.status < 400) fail(operation, 'only an error status is possible here');
    if (contentType !== 'application/problem+json') fail(operation, `an error must be application/problem+json, got ${contentType ?? 'no Content-Type'}`);
    const validate = validatorAt('/components/schemas/Problem');
    if (!validate(response.body)) fail(operation, `not a Problem:\n${describeAjv(validate.errors)}`);
  };

  const route = routes.find((r) => r.pattern.test(path));
  if (!route) {
    if (path === '/v1' || path.startsWith('/v1/')) expectProblem('no such path in the document');
    return { operationId: null };
  }
  const pathPointer = `/paths/${pointerToken(route.template)}`;
  const operation = valueAtPointer(document, `${pathPointer}/${method}`) as JsonObject | undefined;
  if (!operation || !METHODS.includes(method)) {
    expectProblem(`no ${method.toUpperCase()} on ${route.template} in the document`);
    return { operationId: null };
  }
  const operationId = String(operation.operationId);
  const responses = operation.responses as JsonObject;
  const statusKey = [String(response.status), `${String(response.status)[0]}XX`, 'default'].find((key) => key in responses);
  if (!statusKey) fail(operationId, `status ${response.status} is not documented (documented: ${Object.keys(responses).join(', ')})`);
  const { pointer: responsePointer, value: documented } = follow(document, `${pathPointer}/${method}/responses/${statusKey}`);

  for (const name of Object.keys((documented.headers ?? {}) as JsonObject)) {
    const { pointer: headerPointer, value: spec } = follow(document, `${responsePointer}/headers/${pointerToken(name)}`);
    const value = header(response.headers, name);
    if (value === undefined) {
      if (spec.required) fail(operationId, `the ${name} header is required`);
      continue;
    }
    const schema = spec.schema as JsonObject | undefined;
    if (schema) {
      const validate = validatorAt(`${headerPointer}/schema`);
      const typed = schema.type === 'integer' || schema.type === 'number' ? Number(value) : value;
      if (!validate(typed)) fail(operationId, `the ${name} header ${JSON.stringify(value)} does not match:\n${describeAjv(validate.errors)}`);
    }
  }

  const content = documented.content as JsonObject | undefined;
  if (!content) {
    if (response.body !== null && response.body !== '' && response.body !== undefined) {
      fail(operationId, 'this response has no body in the document, but one was sent');
    }
    return { operationId };
  }
  if (response.status >= 400 && contentType !== 'application/problem+json') {
    fail(operationId, `an error must be application/problem+json, got ${contentType ?? 'no Content-Type'}`);
  }
  if (!contentType || !(contentType in content)) {
    fail(operationId, `Content-Type ${contentType ?? '(none)'} is not documented (documented: ${Object.keys(content).join(', ')})`);
  }
  const schemaPointer = `${responsePointer}/content/${pointerToken(contentType!)}/schema`;
  const validate = validatorAt(schemaPointer);
  if (!validate(response.body)) fail(operationId, `the body does not match ${schemaPointer}:\n${describeAjv(validate.errors)}`);
  return { operationId };
}
