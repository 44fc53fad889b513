import type { AddressInfo } from 'node:net';
import express, { type Express, type Request } from 'express';
import type { Redis } from 'ioredis';
import type { RateLimiter } from '../../application/ports/rate-limiter.js';
import { pinoHttp } from 'pino-http';
import { requestLogSerializers } from '../http/request-log-serializers.js';
import type { Config } from '../config/config.js';
import { everyAnswerCarries } from '../http/answer-head.js';
import { correlationId, correlationIdHeader } from '../http/middleware/correlation-id.js';
import { errorHandler, unknownRoute } from '../http/middleware/error-handler.js';
import { endpointRoutes } from '../http/endpoint-routes.js';
import { healthEndpoints } from '../http/endpoints/operations-endpoints.js';
import type { Logger } from '../logging/logger.js';
import type { PlatformModule } from '../modules/platform-module.js';
import type { Platform } from '../platform.js';
import { listen } from '../process/listen.js';
import { createRateLimiterFactory } from '../rate-limit/create-rate-limiter.js';
import { connectRedis } from '../redis/connect-redis.js';
import { requestKey, requestLimit } from './request-limit.js';
import { roleProxy } from './role-proxy.js';
import { roleReadiness } from './role-readiness.js';
import { type GatewayRoute, gatewayRoutes, routeOf, roleUrls } from './routing-table.js';
import { isSignInPath } from '../http/sign-in-route.js';

/** Sign-in has limits of its own in the users API (per email, per address), as in the all-in-one server. */
const routes = new WeakMap<Request, { route: GatewayRoute; url: string }>();

/**
 * SERVICE_ROLE=gateway: the one public entry of a split deployment. Every path a module serves goes to the role that
 * serves it (the module's `serves`, at that role's *_URL); `/health` is the gateway's own (its readiness is every
 * role's); anything else is 404 here. RATE_LIMIT_PER_MIN is applied here, before the request travels further.
 */
export const startGateway = async (config: Config, logger: Logger, modules: readonly PlatformModule[]): Promise<Platform> => {
  const table = gatewayRoutes(modules);
  const urls = roleUrls(config, table);
  let redis: Redis | undefined;
  const limiter =
    config.RATE_LIMIT_PER_MIN === undefined
      ? undefined
      : createRateLimiterFactory(config, () => (redis ??= connectRedis(config.REDIS_URL!, logger)))({
          name: 'gateway_requests_per_minute',
          points: config.RATE_LIMIT_PER_MIN,
          durationSeconds: 60,
        });
  const proxy = roleProxy({
    targetOf: (req) => {
      const found = routes.get(req)!;
      return { role: found.route.role, url: found.url };
    },
    timeoutMs: config.GATEWAY_TIMEOUT_MS,
    logger,
  });
  const app = gatewayApp({ config, logger, table, urls, limiter, proxy: proxy.handler });

  const server = await listen(app, config.PORT);
  const { port } = server.address() as AddressInfo;
  logger.info(
    { url: `http://localhost:${port}`, port, role: config.SERVICE_ROLE, roles: Object.fromEntries(urls) },
    `ledgerflow gateway is serving http://localhost:${port}`,
  );
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      proxy.endStreams();
      await closed;
      proxy.close();
      await redis?.quit();
      logger.info('ledgerflow stopped');
    })());
  return { url: `http://127.0.0.1:${port}`, port, stop };
};

interface GatewayAppParts {
  config: Config;
  logger: Logger;
  table: readonly GatewayRoute[];
  urls: ReadonlyMap<string, string>;
  limiter: RateLimiter | undefined;
  proxy: express.RequestHandler;
}

const gatewayApp = ({ config, logger, table, urls, limiter, proxy }: GatewayAppParts): Express => {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', config.TRUST_PROXY);
  everyAnswerCarries(app, correlationIdHeader);
  app.use(correlationId);
  if (logger.isLevelEnabled('info'))
    app.use(
      pinoHttp({
        logger,
        genReqId: (req) => (req as Request).correlationId,
        autoLogging: { ignore: (req) => req.url?.startsWith('/health') ?? false },
        serializers: requestLogSerializers,
      }),
    );
  endpointRoutes('/health', healthEndpoints, { checks: roleReadiness(urls) }).mount(app.router, '/health');
  app.use((req, res, next) => {
    const route = routeOf(table, req.path);
    if (route === undefined) return unknownRoute(req, res, next);
    routes.set(req, { route, url: urls.get(route.role)! });
    next();
  });
  if (limiter) {
    const jwksUrl = `${urls.get('users-api')}/.well-known/jwks.json`;
    const limit = requestLimit(limiter, requestKey({ jwksUrl, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE }));
    app.use((req, res, next) => (routes.get(req)!.route.public || isSignInPath(req.path) ? next() : limit(req, res, next)));
  }
  app.use(proxy);
  app.use(errorHandler(logger));
  return app;
};
