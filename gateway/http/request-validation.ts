// Checks every /v1 request against the OpenAPI document before a route sees it (express-openapi-validator),
// and turns what the library reports into our problem responses: one JSON pointer per bad field, with a
// sentence naming what was expected, in the words gateway/model uses for records.
import { createRequire } from 'node:module';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import type { ErrorObject } from 'ajv';
import { isUaiShaped, isValidIne, isValidUai } from '../model/identifiers.js';
import { describeErrors } from '../model/validate.js';
import { GatewayError, summarise, type ProblemField } from '../errors/gateway-error.js';
import { NotFoundProblem, ValidationProblem } from '../errors/problems.js';
import { valueAtPointer } from '../model/json-pointer.js';

type JsonObject = Record<string, unknown>;

interface LibraryError extends Error {
  status: number;
  path?: string;
  headers?: { Allow?: string };
  errors: { path: string; message: string; errorCode?: string }[];
}

/** What the library attaches to a request it matched to an operation. */
interface OpenApiRequestMetadata {
  openApiRoute: string;
}

const LIBRARY_ERRORS = Object.values(OpenApiValidator.error);

type PathToRegexp = (path: string, options?: { sensitive?: boolean; strict?: boolean }) => { regexp: RegExp; keys: unknown[] };

const MAX_CACHED_MATCHERS = 1_000;

/**
 * The library finds a request's operation by compiling, on every request, a matcher for each path of the document
 * until one matches (openapi.metadata.js, lookupRoute): 4 % of a roster page's CPU in the gateway. It calls
 * path-to-regexp's `pathToRegexp` through the module's exports at each call, so the compiled matchers are kept
 * here, by path and options. A matcher has no state (no `g` flag) and is only read; express's router does not use
 * this export (it compiles its layers once, through `match`).
 * TODO: drop once express-openapi-validator caches its matchers (cdimascio/express-openapi-validator#1217).
 */
function cacheRouteMatchers(): void {
  const library = createRequire(createRequire(import.meta.url).resolve('express-openapi-validator'));
  const exports = library('path-to-regexp') as { pathToRegexp: PathToRegexp & { cached?: true } };
  if (exports.pathToRegexp.cached) return;
  const compile = exports.pathToRegexp;
  const compiled = new Map<string, ReturnType<PathToRegexp>>();
  const cached: PathToRegexp & { cached?: true } = (path, options = {}) => {
    // The library passes a path and these two options; any other call is compiled as it comes.
    if (typeof path !== 'string' || !Object.keys(options).every((name) => name === 'sensitive' || name === 'strict')) {
      return compile(path, options);
    }
    const key = `${options.sensitive ? 's' : '-'}${options.strict ? 's' : '-'}${path}`;
    let matcher = compiled.get(key);
    if (!matcher) {
      matcher = compile(path, options);
      // The document's paths are a few dozen; another caller's paths, if any, are not kept past the bound.
      if (compiled.size < MAX_CACHED_MATCHERS) compiled.set(key, matcher);
    }
    return matcher;
  };
  cached.cached = true;
  exports.pathToRegexp = cached;
}

function isLibraryError(error: unknown): error is LibraryError {
  return LIBRARY_ERRORS.some((type) => error instanceof type);
}

/**
 * Request validation for the `/v1` API, as middlewares to mount after the JSON body parser and before the
 * routes. Paths outside `/v1` pass through untouched. Query parameters are coerced (`limit=5` becomes a
 * number, defaults are filled in); unknown ones are refused. Problems go to `next` as GatewayErrors.
 */
export function requestValidator(document: Record<string, unknown>): RequestHandler[] {
  cacheRouteMatchers();
  const apiSpec = structuredClone(document);
  // The routes are matched on the request's own path: the public URL's path (a proxy's prefix) is not ours.
  delete apiSpec.servers;
  // Tokens are checked by our own middleware; the library's schema would also refuse a relative tokenUrl.
  delete (apiSpec.components as Record<string, unknown> | undefined)?.securitySchemes;
  const handlers = OpenApiValidator.middleware({
    apiSpec: apiSpec as unknown as Parameters<typeof OpenApiValidator.middleware>[0]['apiSpec'],
    validateApiSpec: true,
    // Parameters are always coerced from their text (the library insists); JSON bodies never are. All errors,
    // so one answer names every bad field: the schemas are ours and small, the body size is capped upstream.
    validateRequests: { allowUnknownQueryParameters: false, coerceTypes: false, allErrors: true },
    validateResponses: false,
    // Authentication and scopes are checked by our own middleware, which knows the client's perimeter.
    validateSecurity: false,
    ignorePaths: (path: string) => !/^\/v1(?:\/|$)/.test(path),
    formats: {
      uai: { type: 'string', validate: isValidUai },
      ine: { type: 'string', validate: isValidIne },
      'uai-reference': { type: 'string', validate: isUaiShaped },
    },
    fileUploader: false,
    // The library registers each component schema on its own, so it cannot follow a reference that points
    // inside one (#/components/schemas/Common/$defs/uai): let it inline every reference first.
    $refParser: { mode: 'dereference' },
  });
  return [refuseDeepBodies, ...handlers.map((handler) => (req: Request, res: Response, next: NextFunction) =>
    handler(req, res, (error?: unknown) => {
      if (error === undefined || error === null || error === 'route' || error === 'router') {
        next(error as undefined);
        return;
      }
      next(isLibraryError(error) ? toProblem(error, req, document) : error);
    }),
  )];
}

/** Deeper than any document of the API: the validator (recursive) would exhaust the stack on such a body. */
const MAX_BODY_DEPTH = 64;

/** Refuses a body nested deeper than MAX_BODY_DEPTH, measured without recursion, before the validator walks it. */
function refuseDeepBodies(req: Request, _res: Response, next: NextFunction): void {
  const pending: [value: unknown, depth: number][] = [[req.body, 0]];
  while (pending.length) {
    const [value, depth] = pending.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_BODY_DEPTH) {
      const errors = [{ pointer: '/body', detail: `is nested more than ${MAX_BODY_DEPTH} levels deep, which no document of this API is` }];
      next(new ValidationProblem(summarise(errors), errors));
      return;
    }
    for (const child of Object.values(value)) pending.push([child, depth + 1]);
  }
  next();
}

function toProblem(error: LibraryError, req: Request, document: JsonObject): GatewayError | LibraryError {
  switch (error.status) {
    case 400: {
      const errors = fieldProblems(error, req, document);
      return new ValidationProblem(summarise(errors), errors);
    }
    case 404:
      return new NotFoundProblem(`${req.path} is not a path of this API`);
    case 405:
      return new GatewayError(
        'method-not-allowed',
        `${req.method} is not allowed on ${req.path}${error.headers?.Allow ? `; allowed: ${error.headers.Allow}` : ''}`,
        { headers: error.headers?.Allow ? { Allow: error.headers.Allow } : {} },
      );
    case 413:
      return new GatewayError('too-large', error.message);
    case 415:
      return new GatewayError('unsupported-media-type', unsupportedMediaType(req, document));
    default:
      return error; // a 500 from the library (such as a document it cannot load) is ours to log
  }
}

/**
 * What the operation takes, from the document. An upload sent with curl's default type for --data-binary
 * (application/x-www-form-urlencoded) is told how to name the file's kind, not that JSON was expected.
 */
function unsupportedMediaType(req: Request, document: JsonObject): string {
  const sent = req.headers['content-type'];
  const got = `got ${sent ? JSON.stringify(sent) : 'no Content-Type'}`;
  const requestBody = resolve(document, operationOf(req, document)?.requestBody);
  const content = (requestBody.content ?? {}) as Record<string, { schema?: JsonObject }>;
  const types = Object.keys(content);
  if (!types.length) return `the body must be application/json (${got})`;
  const upload = Object.values(content).some((media) => media.schema?.format === 'binary');
  if (!upload) return `the body must be ${types.join(' or ')} (${got})`;
  return `this operation takes a file as it is, with a Content-Type naming its kind: ${types.join(', ')} (${got}); ` +
    `with curl: --data-binary @export.csv -H 'Content-Type: text/csv'`;
}

// Where the library's pointers start, and how our problems name each part of the request.
const LOCATIONS: [from: string, to: string][] = [
  ['/params', '/path'],
  ['/query', '/query'],
  ['/headers', '/headers'],
  ['/body', '/body'],
];

function pointerOf(libraryPath: string): string {
  for (const [from, to] of LOCATIONS) {
    if (libraryPath === from || libraryPath.startsWith(from + '/')) return to + libraryPath.slice(from.length);
  }
  return ''; // the request as a whole (a malformed URL, say)
}

/** Preference when several errors name one field: the most telling first (a format over its pattern). */
const KEYWORD_RANK = ['required', 'additionalProperties', 'unevaluatedProperties', 'unknown', 'format', 'enum', 'type'];
function rank(keyword: string): number {
  const index = KEYWORD_RANK.indexOf(keyword);
  return index === -1 ? KEYWORD_RANK.length : index;
}

function fieldProblems(error: LibraryError, req: Request, document: JsonObject): ProblemField[] {
  const request = { path: req.params, query: req.query, headers: req.headers, body: req.body as unknown };
  const parameters = operationParameters(req, document);
  const best = new Map<string, { rank: number; detail: string }>();
  for (const item of error.errors) {
    const pointer = pointerOf(item.path);
    const keyword = item.errorCode?.replace(/\.openapi\.validation$/, '') ?? classify(item.message);
    const detail = describe(keyword, item.message, pointer, request, parameters);
    const previous = best.get(pointer);
    if (!previous || rank(keyword) < previous.rank) best.set(pointer, { rank: rank(keyword), detail });
  }
  return [...best].map(([pointer, { detail }]) => ({ pointer, detail }));
}

/** Errors the library raises itself, outside ajv, carry no code: tell them by their message. */
function classify(message: string): string {
  if (/^Unknown query parameter/.test(message)) return 'unknown';
  if (/^Empty value found/.test(message)) return 'empty';
  return 'other';
}

function describe(
  keyword: string,
  message: string,
  pointer: string,
  request: JsonObject,
  parameters: Map<string, JsonObject>,
): string {
  const value = valueAtPointer(request, pointer);
  const location = pointer.split('/')[1];
  const isParameter = location === 'path' || location === 'query' || location === 'headers';
  if (keyword === 'unknown') {
    const known = [...parameters.keys()].filter((key) => key.startsWith('/query/')).map((key) => key.slice(7));
    return `is not a query parameter of this operation${known.length ? ` (known: ${known.join(', ')})` : ''}`;
  }
  if (keyword === 'empty') return 'must not be empty';
  if (keyword === 'required') return 'is required';
  if (isParameter && keyword !== 'other') {
    const schema = parameters.get(location === 'headers' ? pointer.toLowerCase() : pointer);
    if (schema) return expectation(schema, value);
  }
  // The body, or a parameter we cannot find: reuse the record wording where the keyword allows it.
  const synthetic = syntheticAjvError(keyword, message, pointer);
  if (synthetic) return describeErrors([synthetic], request)[0]?.detail ?? message;
  return `${message}${got(value)}`;
}

/** Rebuilds the part of an ajv error that `describeErrors` reads, from what the library kept of it. */
function syntheticAjvError(keyword: string, message: string, pointer: string): ErrorObject | undefined {
  const base = { keyword, instancePath: pointer, schemaPath: '', message };
  if (keyword === 'format') {
    const format = /format "([^"]+)"/.exec(message)?.[1];
    return format ? { ...base, params: { format } } : undefined;
  }
  if (keyword === 'enum') {
    const listed = /allowed values: (.*)$/.exec(message)?.[1];
    return listed ? { ...base, params: { allowedValues: listed.split(', ') } } : undefined;
  }
  if (keyword === 'additionalProperties' || keyword === 'unevaluatedProperties') {
    // The library already appended the property to the pointer: hand describeErrors the parent and the name.
    const cut = pointer.lastIndexOf('/');
    const name = pointer.slice(cut + 1);
    return { ...base, instancePath: pointer.slice(0, cut), params: { additionalProperty: name, unevaluatedProperty: name } };
  }
  return undefined;
}

/** What a parameter's schema accepts, as a sentence, followed by the value received. */
function expectation(schema: JsonObject, value: unknown): string {
  // One of several formats (`updatedSince`: an instant or a day).
  const formats = Array.isArray(schema.anyOf) ? (schema.anyOf as JsonObject[]).map((s) => s.format).filter((f): f is string => typeof f === 'string') : [];
  if (formats.length > 1) return `must be a valid ${formats.join(' or ')}${got(value)}`;
  if (Array.isArray(schema.enum)) return `must be one of ${schema.enum.map((v) => JSON.stringify(v)).join(', ')}${got(value)}`;
  if (typeof schema.format === 'string') {
    const synthetic: ErrorObject = {
      keyword: 'format', instancePath: '/value', schemaPath: '', params: { format: schema.format },
    };
    return describeErrors([synthetic], { value })[0].detail;
  }
  switch (schema.type) {
    case 'integer':
    case 'number': {
      const kind = schema.type === 'integer' ? 'an integer' : 'a number';
      const { minimum: min, maximum: max } = schema;
      const range = min !== undefined && max !== undefined ? ` from ${String(min)} to ${String(max)}`
        : min !== undefined ? ` of at least ${String(min)}`
          : max !== undefined ? ` of at most ${String(max)}` : '';
      return `must be ${kind}${range}${got(value)}`;
    }
    case 'boolean':
      return `must be true or false${got(value)}`;
    case 'string': {
      if (typeof schema.pattern === 'string') return `must match ${schema.pattern}${got(value)}`;
      const { minLength: min, maxLength: max } = schema;
      const length = min !== undefined && max !== undefined ? ` of ${String(min)} to ${String(max)} characters`
        : max !== undefined ? ` of at most ${String(max)} characters`
          : min !== undefined ? ` of at least ${String(min)} characters` : '';
      return `must be a string${length}${got(value)}`;
    }
    default:
      return `is invalid${got(value)}`;
  }
}

function got(value: unknown): string {
  if (value === undefined) return '';
  const shown = JSON.stringify(value);
  return ` (got ${shown.length > 60 ? shown.slice(0, 57) + '…' : shown})`;
}


/**
 * The schema of each parameter of the operation the library matched, by our pointer (`/query/limit`,
 * `/path/uai`, `/headers/if-none-match`), with `$ref`s into the document followed.
 */
function operationParameters(req: Request, document: JsonObject): Map<string, JsonObject> {
  const pathItem = pathItemOf(req, document);
  const operation = operationOf(req, document);
  const found = new Map<string, JsonObject>();
  const all = [...((pathItem?.parameters as unknown[]) ?? []), ...((operation?.parameters as unknown[]) ?? [])];
  for (const entry of all) {
    const parameter = resolve(document, entry);
    const location = { path: 'path', query: 'query', header: 'headers' }[String(parameter.in)];
    if (!location) continue;
    const name = location === 'headers' ? String(parameter.name).toLowerCase() : String(parameter.name);
    found.set(`/${location}/${name}`, resolve(document, parameter.schema));
  }
  return found;
}

/** The path item of the route the library matched, if it matched one. */
function pathItemOf(req: Request, document: JsonObject): JsonObject | undefined {
  const route = (req as Request & { openapi?: OpenApiRequestMetadata }).openapi?.openApiRoute;
  return route ? ((document.paths as JsonObject | undefined)?.[route] as JsonObject | undefined) : undefined;
}

function operationOf(req: Request, document: JsonObject): JsonObject | undefined {
  return pathItemOf(req, document)?.[req.method.toLowerCase()] as JsonObject | undefined;
}

/** Follows `$ref`s inside the document until a schema or object with content of its own is reached. */
function resolve(document: JsonObject, node: unknown): JsonObject {
  let current = (node ?? {}) as JsonObject;
  for (let hops = 0; typeof current.$ref === 'string' && hops < 10; hops++) {
    const { $ref, ...siblings } = current;
    const target = valueAtPointer(document, decodeURI(($ref as string).replace(/^#/, ''))) as JsonObject | undefined;
    current = { ...(target ?? {}), ...siblings };
  }
  return current;
}
