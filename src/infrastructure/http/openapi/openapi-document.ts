import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { type AnyEndpoint, type Method, namedSchemas, type ResponseHeader, type ResponseSpec, type Tag, type Who } from '../endpoint.js';
import { Money } from '../schemas/common.js';
import { AsOfQuery } from '../schemas/time-travel.js';
import { ProblemDocument } from './schemas.js';

/**
 * The OpenAPI 3.1 document of the HTTP API, generated from the endpoints and the zod schemas they validate with
 * (`z.toJSONSchema`, JSON Schema draft 2020-12, which is what OpenAPI 3.1 schemas are). Request bodies and
 * parameters are converted as zod *input* types, answers as *output* types.
 */

type Security = 'none' | 'signed-in' | 'admin';

/** An endpoint as the document sees it. */
interface RouteSpec {
  operationId: string;
  method: Method;
  path: string;
  summary: string;
  description?: string;
  tags: readonly Tag[];
  security: Security;
  pathParams?: z.ZodObject;
  query?: z.ZodObject;
  body?: { schema: z.ZodType; required: boolean };
  ifMatch: boolean;
  readModel?: string;
  idempotencyKeyIgnored: boolean;
  responses: Readonly<Record<number, ResponseSpec>>;
}

const SECURITY_OF: Record<Who, Security> = { anyone: 'none', 'signed-in': 'signed-in', admin: 'admin' };

const routeSpecOf = (endpoint: AnyEndpoint): RouteSpec => ({
  operationId: endpoint.operationId,
  method: endpoint.method,
  path: endpoint.path,
  summary: endpoint.summary,
  ...(endpoint.description === undefined ? {} : { description: endpoint.description }),
  tags: endpoint.tags,
  security: SECURITY_OF[endpoint.who as Who],
  ...(endpoint.params ? { pathParams: endpoint.params } : {}),
  ...(endpoint.timeTravel ? { query: AsOfQuery } : endpoint.query ? { query: endpoint.query } : {}),
  ...(endpoint.body ? { body: { schema: endpoint.body, required: !endpoint.bodyOptional } } : {}),
  ifMatch: endpoint.ifMatch === true,
  ...(endpoint.readModel === undefined ? {} : { readModel: endpoint.readModel }),
  idempotencyKeyIgnored: endpoint.secret === true,
  responses: endpoint.responses,
});

/** Schemas under these names in `components.schemas`; any other schema is named after its operation. */
const componentSchemas = (): Record<string, z.ZodType> => ({ Problem: ProblemDocument, Money, ...Object.fromEntries(namedSchemas()) });

export type JsonSchema = Record<string, unknown>;

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  tags: { name: string; description: string }[];
  paths: Record<string, Partial<Record<Method, OpenApiOperation>>>;
  components: {
    schemas: Record<string, JsonSchema>;
    parameters: Record<string, JsonSchema>;
    headers: Record<string, JsonSchema>;
    securitySchemes: Record<string, JsonSchema>;
  };
}

export interface OpenApiOperation {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  security: Record<string, string[]>[];
  parameters: JsonSchema[];
  requestBody?: { required: boolean; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, { description: string; headers?: Record<string, JsonSchema>; content?: Record<string, { schema: JsonSchema }> }>;
  'x-required-role'?: string;
}

type Io = 'input' | 'output';

const SCHEMAS = '#/components/schemas/';
const ref = (pointer: string) => ({ $ref: pointer });
const PROBLEM_JSON = 'application/problem+json';

/* Header shapes. They mirror the middleware (correlation-id.ts, idempotency.ts, validate.ts, read-your-writes.ts). */
const HEADER_PARAMETERS = {
  XCorrelationId: {
    name: 'X-Correlation-Id',
    description:
      'Echoed on the answer and recorded in the metadata of every event this request (and any saga it starts) appends, when it is 1 to 128 letters, digits and `._:-`; any other value is not refused but replaced, as an absent one is, by one the server makes.',
    // Any value is taken (one that is not a sane token is replaced, never refused), so the document declares no pattern.
    schema: z.string(),
  },
  IdempotencyKey: {
    name: 'Idempotency-Key',
    description:
      'A repeat with the same key and body, from the same caller (the signed-in user, else the client address) to the same URL, returns the first answer (status and body) and appends nothing; the same key with another body is 422. Looked at once the route has accepted the caller. Answers are kept 24 h; a request that appended events is recognised by them for as long as they are kept.',
    schema: z.string().min(1).max(200),
  },
  IfMatch: {
    name: 'If-Match',
    description: 'The stream revision the command expects, as the ETag gave it (`"3"`); a mismatch is 412 and appends nothing. Without it the server retries its own optimistic-concurrency conflicts.',
    schema: z.string().regex(/^(?:W\/)?"\d{1,19}"$/),
  },
  XMinPosition: {
    name: 'X-Min-Position',
    description:
      "Read-your-writes: answer only once the read model has processed this global position (a command's `X-Position`), waiting up to 5 s, else 503; a position past the head of the event store (never given out) is 503 at once.",
    schema: z.string().regex(/^\d{1,19}$/),
  },
} as const;

const RESPONSE_HEADERS = {
  XCorrelationId: { description: "The request's correlation id (echoed, or made).", schema: z.string() },
  Location: { description: 'Where the created resource is.', schema: z.string().meta({ format: 'uri-reference' }) },
  ETag: { description: 'The stream revision of the resource (`"<revision>"`), for `If-Match`.', schema: z.string().regex(/^"\d+"$/) },
  XPosition: { description: 'The global position of the last event the command appended (decimal), for `X-Min-Position`.', schema: z.string().regex(/^\d+$/) },
  RetryAfter: { description: 'Seconds to wait before trying again.', schema: z.string().regex(/^\d+$/) },
  WWWAuthenticate: { description: 'The authentication scheme: `Bearer`.', schema: z.string() },
  IdempotentReplayed: { description: 'Present when this answers again an earlier request with the same `Idempotency-Key`: nothing was appended.', schema: z.literal('true') },
} as const;
const HEADER_NAMES: Record<keyof typeof RESPONSE_HEADERS, string> = {
  XCorrelationId: 'X-Correlation-Id',
  Location: 'Location',
  ETag: 'ETag',
  XPosition: 'X-Position',
  RetryAfter: 'Retry-After',
  WWWAuthenticate: 'WWW-Authenticate',
  IdempotentReplayed: 'Idempotent-Replayed',
};
const HEADER_COMPONENT: Record<ResponseHeader, keyof typeof RESPONSE_HEADERS> = {
  Location: 'Location',
  ETag: 'ETag',
  'X-Position': 'XPosition',
  'Retry-After': 'RetryAfter',
};

const SECURITY: Record<Security, Record<string, string[]>[]> = {
  none: [],
  'signed-in': [{ bearerAuth: [] }],
  // OpenAPI 3.1 lets a non-OAuth requirement list the roles it needs.
  admin: [{ bearerAuth: ['admin'] }],
};

/** One zod schema standalone (a parameter, a header): no `$schema`, nothing registered. */
const standalone = (schema: z.ZodType, io: Io = 'input'): JsonSchema => {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { io }) as JsonSchema;
  return json;
};

/**
 * Answers may gain fields, so a (non-strict) object in an answer does not forbid others; a strict request object
 * keeps `additionalProperties: false`, as the route answers 400 to unknown fields.
 */
const tolerantAnswers = ({ zodSchema, jsonSchema }: { zodSchema: z.core.$ZodType; jsonSchema: JsonSchema }): void => {
  const def = zodSchema._zod.def as { type: string; catchall?: unknown };
  if (def.type === 'object' && def.catchall === undefined && jsonSchema.additionalProperties === false) delete jsonSchema.additionalProperties;
};

const mapRefs = (value: unknown, rewrite: (pointer: string) => unknown): unknown => {
  if (Array.isArray(value)) return value.map((item) => mapRefs(item, rewrite));
  if (value === null || typeof value !== 'object') return value;
  const object = value as Record<string, unknown>;
  if (typeof object.$ref === 'string' && Object.keys(object).length === 1) return rewrite(object.$ref);
  return Object.fromEntries(Object.entries(object).map(([key, item]) => [key, mapRefs(item, rewrite)]));
};

/**
 * Converts every schema used in one direction at once, so that the named schemas they contain (however deep)
 * become `$ref`s to components and unnamed roots are inlined where they are used.
 */
const convertDirection = (io: Io, roots: ReadonlyMap<z.ZodType, string>, nameOf: ReadonlyMap<z.core.$ZodType, string>) => {
  const override = io === 'output' ? tolerantAnswers : undefined;
  // Pass 1: which named schemas do the roots reach (as zod walks them for this direction)?
  const reached = new Set<z.core.$ZodType>();
  for (const root of roots.keys())
    z.toJSONSchema(root, {
      io,
      override: ({ zodSchema }) => {
        if (nameOf.has(zodSchema)) reached.add(zodSchema);
      },
    });

  // Pass 2: one registry for the direction: the named schemas reached, and each unnamed root under a provisional id.
  const registry = z.registry<{ id: string }>();
  const provisional = new Map<string, string>();
  for (const schema of reached) registry.add(schema, { id: nameOf.get(schema)! });
  for (const [root, fallbackName] of roots) {
    if (nameOf.has(root)) continue;
    const id = `__inline__${fallbackName}`;
    provisional.set(id, fallbackName);
    registry.add(root, { id });
  }
  const { schemas } = z.toJSONSchema(registry, { io, uri: (id) => `${SCHEMAS}${id}`, ...(override ? { override } : {}) }) as {
    schemas: Record<string, JsonSchema>;
  };
  const converted = new Map<string, JsonSchema>();
  for (const [id, { $schema: _dialect, $id: _id, ...json }] of Object.entries(schemas)) converted.set(id, json);

  // A provisional schema another one refers to becomes a component after all; the rest are inlined.
  const promoted = new Set<string>();
  const noteRefs = (value: unknown) =>
    mapRefs(value, (pointer) => {
      const id = pointer.slice(SCHEMAS.length);
      if (provisional.has(id)) promoted.add(id);
      return ref(pointer);
    });
  for (const json of converted.values()) noteRefs(json);
  const renamed = (value: unknown) =>
    mapRefs(value, (pointer) => {
      const id = pointer.slice(SCHEMAS.length);
      return ref(provisional.has(id) ? `${SCHEMAS}${provisional.get(id)}` : pointer);
    }) as JsonSchema;

  const components = new Map<string, JsonSchema>();
  for (const [id, json] of converted)
    if (!provisional.has(id)) components.set(id, renamed(json));
    else if (promoted.has(id)) components.set(provisional.get(id)!, renamed(json));
  const schemaFor = (root: z.ZodType): JsonSchema => {
    const name = nameOf.get(root);
    if (name !== undefined) return ref(`${SCHEMAS}${name}`);
    const id = `__inline__${roots.get(root)!}`;
    return promoted.has(id) ? ref(`${SCHEMAS}${provisional.get(id)}`) : renamed(converted.get(id));
  };
  return { components, schemaFor };
};

const pathNames = (path: string): string[] => [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]!);

const parametersOf = (shape: z.ZodObject, where: 'path' | 'query'): JsonSchema[] =>
  Object.entries(shape.shape).map(([name, field]) => {
    const { description, ...schema } = standalone(field as z.ZodType);
    return {
      name,
      in: where,
      required: where === 'path' || !(field as z.ZodType).isOptional(),
      ...(typeof description === 'string' ? { description } : {}),
      schema,
    };
  });

interface Fragment {
  description: string;
  spec?: ResponseSpec;
  headers?: (keyof typeof RESPONSE_HEADERS)[];
}

/** The answers every route of its kind gives (docs/http-api.md, "Conventions"), besides its own. */
const conventionalAnswers = (route: RouteSpec): [number, Fragment][] => {
  const answers: [number, Fragment][] = [];
  const api = route.path.startsWith('/api/');
  if (route.body)
    answers.push(
      [400, { description: 'The body is not valid JSON or does not match its schema (unknown fields included); `errors` lists each path and message.' }],
      [413, { description: 'The body is over 1 MiB.' }],
      [415, { description: 'The body is not JSON.' }],
    );
  if (route.query) answers.push([400, { description: 'A query parameter is invalid or unknown.' }]);
  if (route.security !== 'none')
    answers.push([401, { description: 'No bearer token, or not a valid one.', headers: ['WWWAuthenticate'] }]);
  else if (api) answers.push([401, { description: 'A bearer token was sent (it is optional here) but is not valid.', headers: ['WWWAuthenticate'] }]);
  if (route.security === 'admin') answers.push([403, { description: 'The token lacks the admin role.' }]);
  if (route.ifMatch)
    answers.push(
      [400, { description: '`If-Match` is not a quoted revision.' }],
      [412, { description: '`If-Match` does not match the current revision; nothing was appended.' }],
    );
  if (route.readModel !== undefined)
    answers.push(
      [400, { description: '`X-Min-Position` is not a decimal position.' }],
      [503, { description: `The ${route.readModel} read model has not reached \`X-Min-Position\` within 5 s.`, headers: ['RetryAfter'] }],
    );
  if (route.method === 'post' && !route.idempotencyKeyIgnored)
    answers.push(
      [400, { description: '`Idempotency-Key` is not 1 to 200 characters.' }],
      [409, { description: 'A request with this `Idempotency-Key` is still being handled.', headers: ['RetryAfter'] }],
      [422, { description: 'This `Idempotency-Key` was used with another body.' }],
    );
  // A route with limits of its own (sign-in) declares its 429 itself and is exempt from RATE_LIMIT_PER_MIN.
  if (api && route.responses[429] === undefined)
    answers.push([429, { description: 'Rate limited (RATE_LIMIT_PER_MIN per signed-in user, else per client address, when set).', headers: ['RetryAfter'] }]);
  return answers;
};

/** The endpoints' tags, in the order they first appear; one name, one description. */
const tagsOf = (endpoints: readonly AnyEndpoint[]): Tag[] => {
  const tags = new Map<string, Tag>();
  for (const tag of endpoints.flatMap((endpoint) => endpoint.tags as readonly Tag[])) {
    const known = tags.get(tag.name);
    if (known !== undefined && known.description !== tag.description) throw new Error(`tag ${tag.name} is described twice`);
    tags.set(tag.name, { name: tag.name, description: tag.description });
  }
  return [...tags.values()];
};

/** Builds the document; throws when the endpoints contradict each other (so a spec, not a client, finds out). */
export const buildOpenApiDocument = (endpoints: readonly AnyEndpoint[], named: Readonly<Record<string, z.ZodType>> = componentSchemas()): OpenApiDocument => {
  const catalog = endpoints.map(routeSpecOf);
  const nameOf = new Map<z.ZodType, string>();
  for (const [name, schema] of Object.entries(named)) {
    if (nameOf.has(schema)) throw new Error(`schema ${name} is also named ${nameOf.get(schema)}`);
    nameOf.set(schema, name);
  }

  // Every schema the routes read (input) and answer with (output), with a name for the unnamed ones.
  const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
  const roots: Record<Io, Map<z.ZodType, string>> = { input: new Map(), output: new Map([[named.Problem!, 'Problem']]) };
  for (const route of catalog) {
    if (route.body) roots.input.set(route.body.schema, roots.input.get(route.body.schema) ?? `${capitalised(route.operationId)}Body`);
    for (const [status, spec] of Object.entries(route.responses)) {
      if (spec.schema) roots.output.set(spec.schema, roots.output.get(spec.schema) ?? `${capitalised(route.operationId)}Response${status}`);
      for (const [index, schema] of Object.values(spec.alternatives ?? {}).entries())
        roots.output.set(schema, roots.output.get(schema) ?? `${capitalised(route.operationId)}Response${status}Alternative${index}`);
    }
  }
  const input = convertDirection('input', roots.input, nameOf);
  const output = convertDirection('output', roots.output, nameOf);

  const schemas: Record<string, JsonSchema> = {};
  for (const [name, json] of [...input.components, ...output.components]) {
    if (schemas[name] !== undefined && !isDeepStrictEqual(schemas[name], json))
      throw new Error(`schema ${name} reads differently in requests and in answers; name each direction's schema apart`);
    schemas[name] = json;
  }

  const paths: OpenApiDocument['paths'] = {};
  const operationIds = new Set<string>();
  for (const route of catalog) {
    const declared = pathNames(route.path);
    const given = Object.keys(route.pathParams?.shape ?? {});
    if (declared.join() !== given.join()) throw new Error(`${route.operationId}: the path names {${declared}} but pathParams give {${given}}`);
    if (operationIds.has(route.operationId)) throw new Error(`operationId ${route.operationId} is used twice`);
    operationIds.add(route.operationId);
    const item = (paths[route.path] ??= {});
    if (item[route.method]) throw new Error(`${route.method.toUpperCase()} ${route.path} is defined twice`);

    const parameters: JsonSchema[] = [
      ...(route.pathParams ? parametersOf(route.pathParams, 'path') : []),
      ...(route.query ? parametersOf(route.query, 'query') : []),
      ref('#/components/parameters/XCorrelationId'),
    ];
    if (route.method === 'post')
      parameters.push(
        route.idempotencyKeyIgnored
          ? {
              ...ref('#/components/parameters/IdempotencyKey'),
              description: 'Accepted, but this answer is never stored or replayed: it is a secret, and asking again is harmless.',
            }
          : ref('#/components/parameters/IdempotencyKey'),
      );
    if (route.ifMatch) parameters.push(ref('#/components/parameters/IfMatch'));
    if (route.readModel !== undefined) parameters.push(ref('#/components/parameters/XMinPosition'));

    // The route's own answers first, then the conventional ones; several reasons for one status are listed together.
    const fragments = new Map<number, Fragment[]>();
    for (const [status, spec] of Object.entries(route.responses))
      fragments.set(Number(status), [{ description: spec.description, spec, headers: (spec.headers ?? []).map((name) => HEADER_COMPONENT[name]) }]);
    for (const [status, fragment] of conventionalAnswers(route)) {
      const known = fragments.get(status) ?? [];
      if (!known.some((other) => other.description === fragment.description)) fragments.set(status, [...known, fragment]);
    }

    const responses: OpenApiOperation['responses'] = {};
    for (const status of [...fragments.keys()].sort((a, b) => a - b)) {
      const parts = fragments.get(status)!;
      const spec = parts.find((part) => part.spec?.schema)?.spec;
      const headerNames = new Set<keyof typeof RESPONSE_HEADERS>(['XCorrelationId', ...parts.flatMap((part) => part.headers ?? [])]);
      // A replay answers what the route itself answered the first time.
      if (route.method === 'post' && !route.idempotencyKeyIgnored && route.responses[status] !== undefined) headerNames.add('IdempotentReplayed');
      const alternatives = Object.entries(spec?.alternatives ?? {}).map(([type, schema]) => [type, { schema: output.schemaFor(schema) }] as const);
      const content =
        spec?.schema !== undefined
          ? { [spec.contentType ?? 'application/json']: { schema: output.schemaFor(spec.schema) }, ...Object.fromEntries(alternatives) }
          : status >= 400
            ? { [PROBLEM_JSON]: { schema: ref(`${SCHEMAS}Problem`) } }
            : undefined;
      responses[String(status)] = {
        description: parts.map((part) => part.description).join(' '),
        headers: Object.fromEntries([...headerNames].map((name) => [HEADER_NAMES[name], ref(`#/components/headers/${name}`)])),
        ...(content ? { content } : {}),
      };
    }

    item[route.method] = {
      operationId: route.operationId,
      summary: route.summary,
      ...(route.description === undefined ? {} : { description: route.description }),
      tags: route.tags.map((tag) => tag.name),
      security: SECURITY[route.security],
      ...(route.security === 'admin' ? { 'x-required-role': 'admin' } : {}),
      parameters,
      ...(route.body
        ? { requestBody: { required: route.body.required, content: { 'application/json': { schema: input.schemaFor(route.body.schema) } } } }
        : {}),
      responses,
    };
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'ledgerflow',
      version: '1.0.0',
      description: [
        'Event-sourced CQRS platform: catalog and inventory, orders (order-fulfilment saga), opinion markets (market-settlement saga).',
        'JSON in, JSON out; errors are RFC 9457 problem documents (`application/problem+json`). Request bodies are strict: unknown fields are 400.',
        'Answers may gain fields. Every answer carries `X-Correlation-Id`; every command answer carries `X-Position` (read-your-writes with `X-Min-Position`).',
        'Lists take `limit` (1..100, default 20) and `cursor` and answer `{ items, nextCursor }`.',
      ].join('\n\n'),
    },
    tags: tagsOf(endpoints),
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b))),
      parameters: Object.fromEntries(
        Object.entries(HEADER_PARAMETERS).map(([key, { name, description, schema }]) => [
          key,
          { name, in: 'header', required: false, description, schema: standalone(schema) },
        ]),
      ),
      headers: Object.fromEntries(
        Object.entries(RESPONSE_HEADERS).map(([key, { description, schema }]) => [key, { description, schema: standalone(schema, 'output') }]),
      ),
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'An access token from `POST /api/v1/auth/token`: a JWT signed with ES256; the public keys are at `GET /.well-known/jwks.json`. Roles: `customer` (every registered user) and `admin`.',
        },
      },
    },
  };
};

/** The document of `endpoints`, written out once, on first use, and served as is from then on. */
export const openApiDocumentText = (endpoints: readonly AnyEndpoint[]): (() => string) => {
  let json: string | undefined;
  return () => (json ??= JSON.stringify(buildOpenApiDocument(endpoints)));
};
