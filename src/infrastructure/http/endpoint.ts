import type { Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import type { CommandContext } from '../../application/commands/command-context.js';
import type { AsOf } from '../../projections/time-travel/as-of.js';
import type { Answer } from './answer.js';
import type { Principal } from './request-context.js';

/**
 * One endpoint of the HTTP API, written once: method, path, who may call it, the schemas its request is parsed
 * with, the answers it gives and its handler. `endpoint-routes.ts` registers it (guards, parsing, answer) and
 * `openapi/openapi-document.ts` describes it; the conventions every endpoint shares (problem answers,
 * X-Correlation-Id, Idempotency-Key, If-Match, X-Min-Position, rate limits) follow from the flags below.
 */

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** `anyone`; `signed-in`: any valid bearer token; `admin`: a bearer token with the admin role. */
export type Who = 'anyone' | 'signed-in' | 'admin';

export type ResponseHeader = 'Location' | 'ETag' | 'X-Position' | 'Retry-After';

/** A group of endpoints in the OpenAPI document, declared once beside them (`tag('Products', 'Catalog and inventory.')`). */
export interface Tag {
  name: string;
  description: string;
}

export const tag = (name: string, description: string): Tag => ({ name, description });

export interface ResponseSpec {
  description: string;
  /** The body. Without one, a 4xx/5xx answer is the shared Problem document and a 2xx has no body. */
  schema?: z.ZodType;
  /** Default `application/json` (`application/problem+json` for a Problem). */
  contentType?: string;
  headers?: readonly ResponseHeader[];
  /** Other media types the same answer takes when the request's `Accept` asks for them, with their schemas. */
  alternatives?: Readonly<Record<string, z.ZodType>>;
}

/** What a handler is given: the request's parts, parsed by the endpoint's schemas, and who asks. */
export interface Call<W extends Who, Params, Query, Body> {
  params: Params;
  query: Query;
  body: Body;
  /** Present for every endpoint but an `anyone` one (there, when a valid token came anyway). */
  principal: W extends 'anyone' ? Principal | undefined : Principal;
  /** For the commands it appends: the correlation id, the trace, and the caller. */
  context: W extends 'anyone' ? CommandContext : CommandContext & { userId: string };
  /** `If-Match: "<revision>"` (endpoints with `ifMatch`): the revision the command expects, if one was sent. */
  expectedRevision: bigint | undefined;
  /** `?asOf` (endpoints with `timeTravel`): the moment asked for, undefined for the resource as it is. */
  asOf: AsOf | undefined;
  req: Request;
  res: Response;
}

type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface Endpoint<Deps = never, W extends Who = Who, P extends z.ZodObject | undefined = undefined, Q extends z.ZodObject | undefined = undefined, B extends z.ZodType | undefined = undefined> {
  /** Unique; also names the operation's unnamed schemas in the OpenAPI document. */
  operationId: string;
  method: Method;
  /** The full path, OpenAPI style: `/api/v1/products/{id}`. */
  path: string;
  summary: string;
  description?: string;
  tags: readonly Tag[];
  who: W;
  /**
   * One entry per `{name}` in the path. An entry made with `idParam(what)` that is not an id we gave out is a 404
   * (`no such <what>`); any other entry is parsed with its schema (400).
   */
  params?: P;
  /** The query string (400 on an unknown or invalid parameter). */
  query?: Q;
  /** `?asOf` (time travel), read before anything else about the request. */
  timeTravel?: true;
  /** The JSON body. */
  body?: B;
  /** The body may be left out (read as `{}`). */
  bodyOptional?: true;
  /** Accepts `If-Match: "<revision>"` (412 on mismatch). */
  ifMatch?: true;
  /** The read model a GET reads: it accepts `X-Min-Position`, waited for once the path is known to name something. */
  readModel?: string;
  /** A POST whose answer is a secret (an access token): its `Idempotency-Key` is accepted but nothing is kept. */
  secret?: true;
  /** Who of those `who` lets in may see this resource; anyone else gets 404 (existence is not leaked). */
  allow?: (principal: Principal, params: Parsed<P>) => boolean;
  /** Further middleware after the caller is known, before anything is parsed (a rate limit of its own). */
  guards?: (deps: Deps) => readonly RequestHandler[];
  /** The endpoint's own answers; conventional ones (400, 401, 403, 412, 413, 415, 429, 503...) follow from the flags. */
  responses: Readonly<Record<number, ResponseSpec>>;
  /** Calls the application and says what to answer; nothing when it answered itself (a stream, a file). */
  handle: (deps: Deps) => (call: Call<W, Parsed<P>, Parsed<Q>, Parsed<B>>) => Promise<Answer | void> | Answer | void;
}

/** An endpoint of any shape, as the router and the OpenAPI document take them. */
export type AnyEndpoint<Deps = any> = Endpoint<Deps, any, any, any, any>;

/** Types an endpoint from its schemas (the handler's `call` follows them). */
export const endpoint = <Deps, W extends Who, P extends z.ZodObject | undefined = undefined, Q extends z.ZodObject | undefined = undefined, B extends z.ZodType | undefined = undefined>(
  spec: Endpoint<Deps, W, P, Q, B>,
): Endpoint<Deps, W, P, Q, B> => spec;

/** Path ids and what they name (`no such <what>` when one is not an id we gave out). */
const PATH_IDS = new WeakMap<z.ZodType, string>();

/** A path `{id}`: the id of a `what` (a UUID); anything else is simply not there (404). */
export const idParam = (what: string, description = `the ${what}'s id (a UUID)`): z.ZodUUID => {
  const schema = z.uuid().meta({ description });
  PATH_IDS.set(schema, what);
  return schema;
};

/** What a path id names, if `schema` is one. */
export const idParamWhat = (schema: unknown): string | undefined => PATH_IDS.get(schema as z.ZodType);

/** The OpenAPI path as Express writes it: `/api/v1/products/{id}` → `/api/v1/products/:id`. */
export const expressPath = (path: string): string => path.replace(/\{(\w+)\}/g, ':$1');

const NAMES = new Map<z.ZodType, string>();
const NAMED = new Map<string, z.ZodType>();

/** Lists `schema` in the OpenAPI document's `components.schemas` as `name`; other schemas are named after their operation. */
export const named = <S extends z.ZodType>(name: string, schema: S): S => {
  const other = NAMED.get(name);
  if (other !== undefined && other !== schema) throw new Error(`two schemas are named ${name}`);
  if (NAMES.has(schema) && NAMES.get(schema) !== name) throw new Error(`schema ${name} is also named ${NAMES.get(schema)}`);
  NAMES.set(schema, name);
  NAMED.set(name, schema);
  return schema;
};

/** The schemas named so far (`named`), by name. */
export const namedSchemas = (): ReadonlyMap<string, z.ZodType> => NAMED;
