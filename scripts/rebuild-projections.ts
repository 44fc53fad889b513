import { SingleBar } from 'cli-progress';
import { createEventRegistry } from '../src/infrastructure/modules/event-catalog.js';
import { ConfigError, loadConfig } from '../src/infrastructure/config/config.js';
import { createEventStore } from '../src/infrastructure/event-store/create-event-store.js';
import { allModules } from '../src/infrastructure/modules/all-modules.js';
import { acquireDataDirLock, ownsDataDir } from '../src/infrastructure/process/data-dir-lock.js';
import { connectRedis } from '../src/infrastructure/redis/connect-redis.js';
import { coordinatesProjections } from '../src/infrastructure/redis/projection-coordination.js';
import { projectionNamespace, RedisProjectionLeases } from '../src/infrastructure/redis/redis-projection-leases.js';
import { StartupError } from '../src/infrastructure/process/startup-error.js';
import { createReadStore } from '../src/infrastructure/read-store/create-read-store.js';
import { holdLeases, LeaseHeldError } from '../src/projections/held-leases.js';
import { DELIVERY_CHECKPOINT } from '../src/application/sagas/saga-delivery.js';
import { readModelOrigin, recordReadModelOrigin } from '../src/projections/read-model-origin.js';
import { describeRebuild, rebuildProjections } from '../src/projections/rebuild-projections.js';

// `npm run rebuild-projections [names…]`: rebuilds read models from position 0, with the server stopped: it refuses
// to start while a server owns DATA_DIR (the two would write one read-model file at once), or, with Redis, while a
// projector holds the lease of a projection to rebuild.
const main = async (): Promise<void> => {
  const config = loadConfig(process.env);
  const all = allModules.flatMap((module) => module.projections ?? []);
  const names = process.argv.slice(2);
  const unknown = names.filter((name) => !all.some((projection) => projection.name === name));
  if (unknown.length > 0) throw new ConfigError(`unknown projection(s): ${unknown.join(', ')}; known: ${all.map((p) => p.name).join(', ')}`);
  const projections = names.length > 0 ? all.filter((projection) => names.includes(projection.name)) : all;

  const whatToDo = 'stop it first, or rebuild beside the live read model with POST /api/v1/projections/:name/rebuild';
  const coordinated = coordinatesProjections(config);
  // With Redis the projectors share the directory and take turns under leases: the rebuild takes the leases instead.
  const lock = !coordinated && ownsDataDir(config, true) ? acquireDataDirLock(config.DATA_DIR, { role: 'rebuild-projections', whatToDo }) : undefined;
  const events = await createEventStore(config);
  const readStore = await createReadStore(config);
  const say = (message: string) => console.error(`rebuild-projections: ${message}`);
  const redis = coordinated ? connectRedis(config.REDIS_URL!, { warn: (_, message) => say(message), info: say }) : undefined;
  const leases = redis
    ? new RedisProjectionLeases(redis, { prefix: projectionNamespace(await readStore.identity()), ttlMs: config.PROJECTION_LEASE_MS, role: 'rebuild-projections' })
    : undefined;
  const held = leases
    ? await holdLeases(leases, readStore, projections.map((projection) => projection.name)).catch(async (error: unknown) => {
        await Promise.all([readStore.close(), events.close(), redis?.quit()]);
        throw error instanceof LeaseHeldError ? new StartupError(`${error.message}: ${whatToDo}`) : error;
      })
    : undefined;
  const registry = createEventRegistry();
  // Read models built from another event store are rebuilt all at once, or not at all: a few of them would be a mix.
  const origin = await readModelOrigin(events, readStore, all.map((projection) => projection.name), [DELIVERY_CHECKPOINT]);
  if (origin.kind === 'another-store' && projections.length < all.length)
    throw new ConfigError(`the read models were built from another event store (${origin.why}): rebuild all of them (name none)`);
  const bar = new SingleBar({
    format: 'rebuilding {projections} |{bar}| {percentage}% | {done} events | {rate} events/s | ETA {eta_formatted}',
    hideCursor: true,
    noTTYOutput: true,
    notTTYSchedule: 2000,
  });
  const started = Date.now();
  const head = await events.headPosition();
  bar.start(Math.max(1, Number(head)), 0, { projections: projections.map((p) => p.name).join(', '), done: 0, rate: 0 });
  const result = await rebuildProjections(projections, events, readStore, {
    decode: (event) => registry.decode(event),
    ...(held ? { fences: held.fences } : {}),
    onProgress: ({ done, position }) => {
      const seconds = (Date.now() - started) / 1000;
      bar.update(Number(position), { done, rate: Math.round(done / Math.max(seconds, 0.001)) });
    },
  });
  bar.update(Math.max(1, Number(head)));
  bar.stop();
  const seconds = (Date.now() - started) / 1000;
  console.log(describeRebuild(projections, result, seconds));
  if (projections.length === all.length) {
    if (origin.kind === 'another-store') {
      // The sagas are handed every event of this store again: their reactions are idempotent.
      await readStore.drop(DELIVERY_CHECKPOINT);
      console.log(`the read models had been built from another event store (${origin.why}); the sagas will be handed this one's events from its start`);
    }
    await recordReadModelOrigin(readStore, origin.storeId);
  }
  await held?.release();
  await redis?.quit();
  await readStore.close();
  await events.close();
  lock?.release();
};

main().catch((error: unknown) => {
  console.error(
    error instanceof StartupError ? error.message : `rebuild failed: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});
