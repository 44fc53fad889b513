import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { Container } from 'inversify';
import type { ProjectionSupervisor } from '../projections/projection-supervisor.js';
import { type Config, loadConfig, runsProjections } from './config/config.js';
import { buildContainer } from './container/container.js';
import { TOKENS } from './container/tokens.js';
import { createApp, type HttpModule } from './http/app.js';
import { OwnUrl } from './http/own-url.js';
import { consoleModule } from './http/routes/console.js';
import { endpointRoutes } from './http/endpoint-routes.js';
import { healthEndpoints, type ReadinessCheck } from './http/endpoints/operations-endpoints.js';
import { metricsModule } from './metrics/platform-metrics.js';
import { createLogger, type Logger } from './logging/logger.js';
import { acquireDataDirLock, type DataDirLock, ownsDataDir } from './process/data-dir-lock.js';
import { listen, listenFailure } from './process/listen.js';
import { describeProfile } from './process/profile.js';
import { guardReadModelOrigin } from './process/read-model-origin-guard.js';
import { startPaymentSimulator } from './payment-gateway/simulator/payment-simulator.js';
import { simulatorDataDir } from './saga-thread/saga-work.js';
import { allModules } from './modules/all-modules.js';
import type { ModuleRoutes, PlatformModule } from './modules/platform-module.js';
import { startGateway } from './gateway/gateway.js';

export interface Platform {
  url: string;
  port: number;
  /** Stops accepting requests, lets in-flight ones finish, stops the projections and closes the stores. */
  stop(): Promise<void>;
}

export interface PlatformOptions {
  /** The process's logger (main.ts makes one for every line of the process); else one from LOG_LEVEL, in JSON. */
  logger?: Logger;
}

/**
 * Boots the process for its SERVICE_ROLE: `all` (the all-in-one server behind `npm start`, and the API specs)
 * runs every module and every projection; an API role serves its own module's routes; the projector runs the
 * projections and their admin routes. Health, metrics and the operations console are served by every role.
 */
export const startPlatform = async (
  env: NodeJS.ProcessEnv = process.env,
  modules: readonly PlatformModule[] = allModules,
  options: PlatformOptions = {},
): Promise<Platform> => {
  const config = loadConfig(env);
  const logger = options.logger ?? createLogger(config.LOG_LEVEL);
  if (config.SERVICE_ROLE === 'payment-gateway') return startPaymentGatewayRole(config, logger);
  if (config.SERVICE_ROLE === 'gateway') return startGateway(config, logger, modules);
  // First, before anything is opened: a second owner of the directory stops here (see acquireDataDirLock).
  const lock = ownsDataDir(config, runsProjections(config.SERVICE_ROLE)) ? acquireDataDirLock(config.DATA_DIR, { role: config.SERVICE_ROLE }) : undefined;
  try {
    return await startRole(config, logger, modules, lock);
  } catch (error) {
    lock?.release();
    throw error;
  }
};

const startRole = async (config: Config, logger: Logger, modules: readonly PlatformModule[], lock: DataDirLock | undefined): Promise<Platform> => {
  const container = await buildContainer(config, logger, modules);
  const ownUrl = new OwnUrl();
  container.bind(TOKENS.OwnUrl).toConstantValue(ownUrl);
  const role = config.SERVICE_ROLE;
  const served = role === 'all' ? modules : modules.filter((module) => module.serves === role);
  const projections = container.get(TOKENS.Projections);
  const started: PlatformModule[] = [];
  /** Everything but the HTTP server, in reverse order of starting; also what a failed start undoes. */
  const closeAll = async () => {
    for (const module of started.reverse()) await module.stop?.(container);
    await projections.stop();
    await container.get(TOKENS.IdempotencyStore).close();
    if (config.REDIS_URL) await container.get(TOKENS.Redis).quit();
    await container.get(TOKENS.ReadStore).close();
    await container.get(TOKENS.EventStore).close();
    lock?.release();
  };
  try {
    return await serve(config, logger, container, { served, started, projections, ownUrl, closeAll });
  } catch (error) {
    await closeAll().catch((closing: unknown) => logger.warn({ err: closing }, 'closing after a failed start failed too'));
    throw error;
  }
};

interface Started {
  served: readonly PlatformModule[];
  started: PlatformModule[];
  projections: ProjectionSupervisor;
  ownUrl: OwnUrl;
  closeAll(): Promise<void>;
}

const serve = async (config: Config, logger: Logger, container: Container, { served, started, projections, ownUrl, closeAll }: Started): Promise<Platform> => {
  const role = config.SERVICE_ROLE;
  const checks: ReadinessCheck[] = [
    { name: 'event-store', check: async () => (await container.get(TOKENS.EventStore).headPosition(), { ok: true }) },
  ];
  await projections.defineReadModels();
  const [events, readStore] = [container.get(TOKENS.EventStore), container.get(TOKENS.ReadStore)];
  await guardReadModelOrigin({ config, logger, events, readStore, projections: projections.names });
  if (runsProjections(role)) {
    await projections.start();
    void projections.catchUp(24 * 60 * 60 * 1000);
    checks.push({
      name: 'projections',
      check: async () => ({ ok: projections.allCaughtUpOnce, detail: projections.allCaughtUpOnce ? 'caught up' : 'catching up' }),
    });
  }
  for (const module of served) {
    await module.start?.(container);
    started.push(module);
  }

  const app = createApp({
    logger,
    verifier: container.get(TOKENS.AccessTokenVerifier),
    idempotencyStore: container.get(TOKENS.IdempotencyStore),
    trustProxy: config.TRUST_PROXY,
    requestLimiter:
      config.RATE_LIMIT_PER_MIN === undefined
        ? undefined
        : container.get(TOKENS.RateLimiters)({ name: 'requests_per_minute', points: config.RATE_LIMIT_PER_MIN, durationSeconds: 60 }),
    publicModules: [
      { path: '/health', router: endpointRoutes('/health', healthEndpoints, { checks }) },
      metricsModule({ container, role, projections }),
      consoleModule(),
      ...served.flatMap((module) => routesOf(module.publicRoutes, container)),
    ],
    modules: served.flatMap((module) => routesOf(module.routes, container)),
  });

  const server = await listen(app, config.PORT);
  const { port } = server.address() as AddressInfo;
  ownUrl.set(`http://127.0.0.1:${port}`);
  const admin = served.some((module) => module.name === 'users')
    ? { admin: config.ADMIN_EMAIL ? `${config.ADMIN_EMAIL} ensured` : 'none ensured (set ADMIN_EMAIL and ADMIN_PASSWORD for one)' }
    : {};
  logger.info({ url: `http://localhost:${port}`, port, role, ...describeProfile(config), ...admin }, `ledgerflow is serving http://localhost:${port}`);

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        for (const module of served) module.stopServing?.(container);
      });
      await closeAll();
      logger.info('ledgerflow stopped');
    })());
  return { url: `http://127.0.0.1:${port}`, port, stop };
};

const routesOf = (routes: readonly ModuleRoutes[] | undefined, container: Container): HttpModule[] =>
  (routes ?? []).map(({ path, router }) => ({ path, router: router(container) }));

/** The bundled payment simulator alone, on PORT, its ledger under DATA_DIR (SERVICE_ROLE=payment-gateway). */
const startPaymentGatewayRole = async (config: Config, logger: Logger): Promise<Platform> => {
  const dataDir = simulatorDataDir(config);
  const simulator = await startPaymentSimulator({ port: config.PORT, host: '0.0.0.0', dataDir }).catch((error: unknown) => {
    throw (error as NodeJS.ErrnoException).syscall === 'listen' ? listenFailure(error, config.PORT) : error;
  });
  const url = `http://localhost:${simulator.port}`;
  logger.info(
    { url, port: simulator.port, role: config.SERVICE_ROLE, ledger: dataDir === undefined ? 'memory' : `sqlite ${resolve(dataDir, 'payments.sqlite')}` },
    `ledgerflow payment gateway is serving ${url}`,
  );
  return {
    url: simulator.url,
    port: simulator.port,
    stop: async () => {
      await simulator.stop();
      logger.info('ledgerflow stopped');
    },
  };
};
