import type { Request, RequestHandler } from 'express';
import type { z } from 'zod';
import { sendAnswer } from './answer.js';
import { asOfOf, timeTravel } from './as-of.js';
import { type AnyEndpoint, expressPath, idParamWhat } from './endpoint.js';
import { requireRole, requireSignedIn } from './middleware/auth.js';
import { minPosition, type ReadModelProgress } from './middleware/read-your-writes.js';
import { notFoundProblem } from './problem.js';
import { commandContext } from './request-context.js';
import { type RouteTable, routeTable } from './route-table.js';
import { ifMatch, parseWith, pathId } from './validate.js';

/** What every endpoint may lean on besides its own dependencies. */
export interface EndpointPlatform {
  /** Where each read model stands, for `X-Min-Position`. */
  progress?: ReadModelProgress;
}

type Params = Record<string, unknown> | undefined;

/** Reads the path's parameters: ids first (404 for anything but one we gave out), then the rest by the schema (400). */
const paramsReader = (schema: z.ZodObject | undefined): ((raw: Request['params']) => Params) => {
  if (schema === undefined) return () => undefined;
  const fields = Object.entries(schema.shape).map(([name, field]) => ({ name, what: idParamWhat(field) }));
  const ids = fields.filter((field): field is { name: string; what: string } => field.what !== undefined);
  const onlyIds = ids.length === fields.length;
  return (raw) => {
    const params: Record<string, unknown> = {};
    for (const { name, what } of ids) params[name] = pathId(raw[name], what);
    return onlyIds ? params : (parseWith(schema, raw) as Record<string, unknown>);
  };
};

/** The middleware and handler that serve one endpoint, in the order a request meets them. */
const handlersOf = (spec: AnyEndpoint, deps: unknown, platform: EndpointPlatform, callerChecked: boolean): RequestHandler[] => {
  const handlers: RequestHandler[] = [];
  if (!callerChecked && spec.who === 'signed-in') handlers.push(requireSignedIn);
  if (!callerChecked && spec.who === 'admin') handlers.push(requireRole('admin'));
  handlers.push(...(spec.guards?.(deps) ?? []));
  if (spec.timeTravel) handlers.push(timeTravel);
  const readParams = paramsReader(spec.params);
  if (spec.readModel !== undefined) {
    if (!platform.progress) throw new Error(`${spec.operationId} reads the ${spec.readModel} read model: the routes need its progress`);
    // Nothing waits (X-Min-Position) for a request that can only be a 404.
    if (spec.params) handlers.push((req, _res, next) => (readParams(req.params), next()));
    handlers.push(minPosition(platform.progress, spec.readModel));
  }
  const notYours = notFoundProblem(`no such ${Object.values(spec.params?.shape ?? {}).map(idParamWhat).find(Boolean) ?? 'resource'}`);
  const handle = spec.handle(deps);
  handlers.push(async (req, res) => {
    const query = spec.query ? parseWith(spec.query, req.query) : undefined;
    const params = readParams(req.params);
    if (spec.allow && !spec.allow(req.principal!, params)) throw notYours;
    const body = spec.body ? parseWith(spec.body, req.body) : undefined;
    const expectedRevision = spec.ifMatch ? ifMatch(req) : undefined;
    const answer = await handle({ params, query, body, expectedRevision, asOf: asOfOf(res), principal: req.principal, context: commandContext(req), req, res });
    if (answer) sendAnswer(res, answer);
  });
  return handlers;
};

/**
 * Registers endpoints under `base`, the path their module declares (the gateway routes by it). Where every one of
 * them is for admins, so is every path under `base`: an anonymous caller is told 401 before anything about the path.
 */
export const endpointRoutes = <Deps>(base: string, endpoints: readonly AnyEndpoint<Deps>[], deps: Deps, platform: EndpointPlatform = {}): RouteTable => {
  const table = routeTable();
  const adminsOnly = endpoints.length > 0 && endpoints.every((spec) => spec.who === 'admin');
  if (adminsOnly) table.use(requireRole('admin'));
  for (const spec of endpoints) {
    const full = expressPath(spec.path);
    if (full !== base && !full.startsWith(`${base}/`)) throw new Error(`${spec.operationId}: ${spec.path} is not under ${base}, where its module serves`);
    const path = full === base ? '/' : full.slice(base.length);
    const handlers = handlersOf(spec, deps, platform, adminsOnly);
    if (spec.secret) table.postSecret(path, ...handlers);
    else table[spec.method](path, ...handlers);
  }
  return table;
};
