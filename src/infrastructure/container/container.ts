import { Container } from 'inversify';
import { CommandHandler } from '../../application/commands/command-handler.js';
import { createEventRegistry } from '../modules/event-catalog.js';
import { UniqueClaims } from '../../application/uniqueness/unique-claims.js';
import { CheckpointProgress } from '../../projections/checkpoint-progress.js';
import { HeadBoundedProgress } from '../../projections/head-bounded-progress.js';
import { ProjectionSupervisor } from '../../projections/projection-supervisor.js';
import { ResourceHistory } from '../../projections/time-travel/resource-history.js';
import { type Config, runsProjections } from '../config/config.js';
import { createEventStore } from '../event-store/create-event-store.js';
import type { CheckpointChoices } from '../sqlite/background-checkpointer.js';
import type { Logger } from '../logging/logger.js';
import { createReadStore } from '../read-store/create-read-store.js';
import { endpointsOf, type PlatformModule } from '../modules/platform-module.js';
import { platformEndpoints } from '../http/endpoints/operations-endpoints.js';
import { createIdempotencyStore } from '../idempotency/create-idempotency-store.js';
import { connectRedis } from '../redis/connect-redis.js';
import { projectionCoordination } from '../redis/projection-coordination.js';
import { TOKENS } from './tokens.js';

/**
 * The composition root: adapters chosen by configuration, everything else wired once, as singletons.
 * Domain and application classes stay free of decorators; they are built here by plain factories.
 */
export const buildContainer = async (
  config: Config,
  logger: Logger,
  modules: readonly PlatformModule[],
  sqliteChoices: CheckpointChoices = {},
): Promise<Container> => {
  const container = new Container({ defaultScope: 'Singleton' });
  container.bind(TOKENS.Config).toConstantValue(config);
  container.bind(TOKENS.Logger).toConstantValue(logger);
  container.bind(TOKENS.Endpoints).toConstantValue([...endpointsOf(modules), ...platformEndpoints]);
  container.bind(TOKENS.EventStore).toConstantValue(await createEventStore(config, sqliteChoices));
  container.bind(TOKENS.ReadStore).toConstantValue(await createReadStore(config, sqliteChoices));
  container.bind(TOKENS.Redis).toDynamicValue(() => connectRedis(config.REDIS_URL ?? 'redis://127.0.0.1:6379', logger));
  container.bind(TOKENS.IdempotencyStore).toDynamicValue((ctx) => createIdempotencyStore(config, () => ctx.get(TOKENS.Redis)));
  container.bind(TOKENS.EventRegistry).toConstantValue(createEventRegistry(modules));
  container
    .bind(TOKENS.CommandHandler)
    .toDynamicValue((ctx) => new CommandHandler(ctx.get(TOKENS.EventStore), ctx.get(TOKENS.EventRegistry)));
  container.bind(TOKENS.UniqueClaims).toDynamicValue((ctx) => new UniqueClaims(ctx.get(TOKENS.EventStore)));
  const coordination = await projectionCoordination(config, container.get(TOKENS.ReadStore), () => container.get(TOKENS.Redis), logger);
  container.bind(TOKENS.Projections).toDynamicValue((ctx) => {
    const registry = ctx.get(TOKENS.EventRegistry);
    return new ProjectionSupervisor(modules.flatMap((module) => module.projections ?? []), ctx.get(TOKENS.EventStore), ctx.get(TOKENS.ReadStore), {
      decode: (event) => registry.decode(event),
      onFault: (projection, fault) => logger.error({ projection, fault }, 'projection faulted'),
      ...coordination,
    });
  });
  // A process that does not write a read model hears how far it is from the projector (Redis), or else polls it.
  container.bind(TOKENS.ReadModelProgress).toDynamicValue(
    (ctx) =>
      new HeadBoundedProgress(
        runsProjections(config.SERVICE_ROLE) || coordination.progress ? ctx.get(TOKENS.Projections) : new CheckpointProgress(ctx.get(TOKENS.ReadStore)),
        ctx.get(TOKENS.EventStore),
      ),
  );
  container.bind(TOKENS.ResourceHistory).toDynamicValue((ctx) => {
    const registry = ctx.get(TOKENS.EventRegistry);
    return new ResourceHistory(ctx.get(TOKENS.EventStore), (event) => registry.decode(event));
  });
  for (const module of modules) module.bind?.(container, config);
  return container;
};
