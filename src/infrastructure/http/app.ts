import express, { type Express, type Router } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import type { IdempotencyStore } from '../../application/ports/idempotency-store.js';
import { type AccessTokenVerifier, authenticate } from './middleware/auth.js';
import { correlationId } from './middleware/correlation-id.js';
import { errorHandler, unknownRoute } from './middleware/error-handler.js';
import { idempotency } from './middleware/idempotency.js';
import { jsonBody, jsonBodyErrors } from './middleware/json-body.js';

export interface HttpModule {
  /** Where the module's router is mounted, e.g. `/api/v1/products`. */
  path: string;
  router: Router;
}

export interface AppDeps {
  logger: Logger;
  verifier: AccessTokenVerifier;
  idempotencyStore: IdempotencyStore;
  /** Routes that run before authentication (health, metrics, JWKS). */
  publicModules: readonly HttpModule[];
  modules: readonly HttpModule[];
}

/** The express application: edge middleware, the contexts' routers, and problem+json for every error. */
export const createApp = ({ logger, verifier, idempotencyStore, publicModules, modules }: AppDeps): Express => {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', 'loopback');
  app.use(correlationId);
  app.use(
    pinoHttp({
      logger,
      genReqId: (req) => (req as express.Request).correlationId,
      autoLogging: { ignore: (req) => req.url?.startsWith('/health') ?? false },
      serializers: { req: (req: { method: string; url: string }) => ({ method: req.method, url: req.url }) },
    }),
  );
  for (const module of publicModules) app.use(module.path, module.router);
  app.use(jsonBody, jsonBodyErrors);
  app.use(authenticate(verifier));
  app.use(idempotency(idempotencyStore, { exclude: ['/api/v1/auth/token'] }));
  for (const module of modules) app.use(module.path, module.router);
  app.use(unknownRoute);
  app.use(errorHandler(logger));
  return app;
};
