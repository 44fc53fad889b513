import type { Redis } from 'ioredis';
import type { ReadStore } from '../../application/ports/read-store.js';
import type { LeaseEvent } from '../../projections/leased-projection.js';
import type { SupervisorOptions } from '../../projections/projection-supervisor.js';
import { type Config, runsProjections } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import { RedisProgressChannel } from './redis-progress-channel.js';
import { projectionNamespace, RedisProjectionLeases } from './redis-projection-leases.js';

/**
 * Whether processes coordinate their projections through Redis: there is a REDIS_URL, and a read store several
 * processes can share (a SQLite file, MongoDB; not `memory:`, which is the process's own).
 */
export const coordinatesProjections = (config: Pick<Config, 'REDIS_URL' | 'MONGODB_URL' | 'EVENTSTORE_URL'>): boolean =>
  config.REDIS_URL !== undefined && (config.MONGODB_URL !== undefined || !config.EVENTSTORE_URL?.startsWith('memory:'));

/** Lease events in the log: a streak of trouble (Redis away) once at warn, the rest at debug. */
const leaseLog = (logger: Logger): ((projection: string, event: LeaseEvent) => void) => {
  const troubled = new Set<string>();
  return (projection, event) => {
    if (event.kind !== 'trouble') troubled.delete(projection);
    switch (event.kind) {
      case 'acquired':
        return logger.info({ projection, fence: event.token }, 'projection lease taken: this process writes the read model');
      case 'lost':
        return logger.warn({ projection, fence: event.token, reason: event.reason }, 'projection lease lost: this process stopped writing the read model');
      case 'rebuild':
        return event.outcome === 'swapped'
          ? logger.info({ projection }, 'projection rebuilt and swapped in')
          : logger.warn({ projection, reason: event.detail }, 'projection rebuild given up');
      case 'trouble':
        if (troubled.has(projection)) return logger.debug({ projection, err: event.error }, 'projection lease trouble, still');
        troubled.add(projection);
        return logger.warn({ projection, err: event.error }, 'projection lease trouble (Redis or the read store did not answer); trying again');
    }
  };
};

/**
 * What the supervisor needs to share the read store with other processes through Redis: the progress channel
 * (every process), and the leases (processes that run projections). Nothing without coordination: then the
 * process is the read store's one writer (the embedded profile, one process; see ownsDataDir) or reads a store
 * written by a process it cannot hear from (it polls the checkpoints, see CheckpointProgress).
 */
export const projectionCoordination = async (
  config: Config,
  readStore: ReadStore,
  redis: () => Redis,
  logger: Logger,
): Promise<Pick<SupervisorOptions, 'leases' | 'progress'>> => {
  if (!coordinatesProjections(config)) return {};
  const namespace = projectionNamespace(await readStore.identity());
  const connection = redis();
  const progress = { channel: new RedisProgressChannel(connection, namespace) };
  if (!runsProjections(config.SERVICE_ROLE)) return { progress };
  const leases = new RedisProjectionLeases(connection, { prefix: namespace, ttlMs: config.PROJECTION_LEASE_MS, role: config.SERVICE_ROLE });
  return { progress, leases: { leases, onEvent: leaseLog(logger) } };
};
