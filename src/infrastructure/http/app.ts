import { channel } from 'node:diagnostics_channel';
import express, { type Express, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { requestLogSerializers } from './request-log-serializers.js';
import type { IdempotencyStore } from '../../application/ports/idempotency-store.js';
import type { RateLimiter } from '../../application/ports/rate-limiter.js';
import { type AccessTokenVerifier, authenticate } from './middleware/auth.js';
import { correlationId, correlationIdHeader } from './middleware/correlation-id.js';
import { inOneLayer } from './middleware/in-one-layer.js';
import { atOrUnderAny } from './path-prefix.js';
import { traceContext, traceResponseHeader } from './middleware/trace-context.js';
import { traceIdOf } from '../../application/tracing/trace-context.js';
import { errorHandler, methodNotAllowed, unknownRoute } from './middleware/error-handler.js';
import { idempotency } from './middleware/idempotency.js';
import { jsonBody } from './middleware/json-body.js';
import { clientAddress, rateLimit } from './middleware/rate-limit.js';
import { SECURITY_HEADERS } from './middleware/security-headers.js';
import { everyAnswerCarries, type HeaderList } from './answer-head.js';
import { routeDispatch } from './route-dispatch.js';
import type { RouteTable } from './route-table.js';
import { isSignInPath } from './sign-in-route.js';

/**
 * Told of every answer once it is sent, with how long it took from the first byte of the request in. `req.route`
 * is the route that answered, when one did (not when middleware refused the request before it).
 */
export type ResponseObserver = (req: Request, res: Response, seconds: number) => void;

export interface HttpModule {
  /** Where the module's routes live, e.g. `/api/v1/products`. */
  path: string;
  router: RouteTable;
  /** Hears every answer of the application, whatever its route (metrics). */
  onResponse?: ResponseObserver;
}

interface Timing {
  startedAt: number;
  observers: readonly ResponseObserver[];
}
type Timed = Request & { ledgerflowTiming?: Timing };

/**
 * Node publishes every finished answer of every server on this channel. One subscriber for the process, rather than
 * a `finish` listener added to each response: the request carries its start and its application's observers.
 */
const answered = channel('http.server.response.finish');
let subscribed = false;
const tellObservers = (message: unknown): void => {
  const { request, response } = message as { request: Timed; response: Response };
  const timing = request.ledgerflowTiming;
  if (timing === undefined) return;
  const seconds = (performance.now() - timing.startedAt) / 1000;
  for (const observer of timing.observers) observer(request, response, seconds);
};

/** Times every request for the observers. */
const timing = (observers: readonly ResponseObserver[]): express.RequestHandler => {
  if (!subscribed) answered.subscribe(tellObservers);
  subscribed = true;
  return (req, _res, next) => {
    (req as Timed).ledgerflowTiming = { startedAt: performance.now(), observers };
    next();
  };
};

/**
 * The routes that need no authentication (health, metrics, the console, JWKS, OpenAPI), on a router of their own
 * entered only for their paths (matched as the router matches them: in any case): every other request passes one
 * layer for all of them instead of one per route.
 */
const publicRoutes = (publicModules: readonly HttpModule[]): express.RequestHandler => {
  const router = express.Router();
  for (const module of publicModules) module.router.mount(router, module.path);
  const isPublic = atOrUnderAny(publicModules.map((module) => module.path));
  return (req, res, next) => (isPublic(req.path) ? router(req, res, next) : next());
};

/** What every answer of the API carries: the security headers, X-Correlation-Id and traceresponse. */
const answerHeaders = (req: Request): HeaderList => [...SECURITY_HEADERS, ...correlationIdHeader(req), ...traceResponseHeader(req)];

export interface AppDeps {
  logger: Logger;
  verifier: AccessTokenVerifier;
  idempotencyStore: IdempotencyStore;
  /** Whose X-Forwarded-For names the client (TRUST_PROXY): the client address keys sign-in limits and rate limits. */
  trustProxy: readonly string[];
  /** RATE_LIMIT_PER_MIN: requests per minute per signed-in user, else per client address, on every route but sign-in. */
  requestLimiter?: RateLimiter | undefined;
  /** Routes that run before authentication (health, metrics, JWKS). */
  publicModules: readonly HttpModule[];
  modules: readonly HttpModule[];
}

/** Every path the modules serve, with the methods it is served with (however many modules serve it). */
const servedMethods = (modules: readonly HttpModule[]): Map<string, Set<string>> => {
  const served = new Map<string, Set<string>>();
  for (const module of modules)
    for (const [path, methods] of module.router.methodsByPath(module.path)) served.set(path, new Set([...(served.get(path) ?? []), ...methods]));
  return served;
};

/** The express application: edge middleware, the contexts' routers, and problem+json for every error. */
export const createApp = ({ logger, verifier, idempotencyStore, trustProxy, requestLimiter, publicModules, modules }: AppDeps): Express => {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', trustProxy);
  everyAnswerCarries(app, answerHeaders);
  const observers = [...publicModules, ...modules].flatMap((module) => (module.onResponse ? [module.onResponse] : []));
  const edge: express.RequestHandler[] = [...(observers.length > 0 ? [timing(observers)] : []), correlationId, traceContext];
  // pino-http writes every line at `info` (errors too) and builds a child logger per request to do it:
  // above that level it can write nothing, so it is not mounted rather than paid for on every request.
  if (logger.isLevelEnabled('info'))
    edge.push(
      pinoHttp({
        logger,
        genReqId: (req) => (req as express.Request).correlationId,
        customProps: (req) => ({ traceId: traceIdOf((req as express.Request).traceparent) }),
        autoLogging: { ignore: (req) => req.url?.startsWith('/health') ?? false },
        serializers: requestLogSerializers,
        // For a 5xx without an error pino-http makes one up, stack and all. Such an answer was a Problem given on
        // purpose (X-Min-Position's 503), or a failure the error handler already logged with its real stack.
        customErrorObject: (_req, res, error, value: Record<string, unknown>) =>
          error.message === `failed with status code ${res.statusCode}` ? { res: value.res, responseTime: value.responseTime } : value,
        customErrorMessage: (_req, res, error) => (error.message === `failed with status code ${res.statusCode}` ? 'request completed' : 'request errored'),
      }),
    );
  const limits: express.RequestHandler[] = [];
  if (requestLimiter) {
    const limit = rateLimit(requestLimiter, (req) => (req.principal ? `user:${req.principal.userId}` : `address:${clientAddress(req)}`));
    // Sign-in has limits of its own (per email and address, per address), instead of RATE_LIMIT_PER_MIN; its path is
    // matched as the router matches paths: in any case, with or without a trailing slash.
    limits.push((req, res, next) => (isSignInPath(req.path) ? next() : limit(req, res, next)));
  }
  // Idempotency-Key is each POST route's own, after its guards: authorisation first, and sign-in left out by its route.
  const routes = routeDispatch(modules, { beforePost: idempotency(idempotencyStore) });
  // Everything a request to a module's route meets is one layer of the application's router.
  app.use(inOneLayer(...edge, publicRoutes(publicModules), jsonBody, authenticate(verifier), ...limits, routes.handler));
  for (const { path, handler } of routes.unmatched) app.use(path, handler);
  for (const [path, methods] of servedMethods([...publicModules, ...modules])) app.all(path, methodNotAllowed(methods));
  app.use(unknownRoute);
  app.use(errorHandler(logger));
  return app;
};
