import { join, resolve } from 'node:path';
import type { EventStore } from '../../application/ports/event-store.js';
import type { ReadStore } from '../../application/ports/read-store.js';
import { DELIVERY_CHECKPOINT } from '../../application/sagas/saga-delivery.js';
import { readModelOrigin, recordReadModelOrigin } from '../../projections/read-model-origin.js';
import { type Config, runsProjections, withoutCredentials } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import { ownsDataDir } from './data-dir-lock.js';
import { StartupError } from './startup-error.js';

/** Read models built from another event store: the process refuses to start, in one line that says what to do. */
export class ReadModelsFromAnotherStoreError extends StartupError {
  override readonly name = 'ReadModelsFromAnotherStoreError';
}

export interface ReadModelOriginDeps {
  config: Config;
  logger: Logger;
  events: EventStore;
  readStore: ReadStore;
  /** Every projection whose read model the store keeps. */
  projections: readonly string[];
}

/**
 * Before a process serves or projects anything, its read models are checked against its event store (see
 * read-model-origin.ts): read models built from another one are never served as if they were this one's.
 *
 * - Embedded read models (DATA_DIR/read-models.sqlite) are disposable and their owner's alone (the process that runs
 *   the projections and holds the DATA_DIR lock): it drops them, and the saga delivery's checkpoint, and rebuilds them
 *   from this store as it catches up (readiness waits for it), with one warning line. Any other process refuses.
 * - MongoDB read models outlive DATA_DIR and may be another deployment's: nothing is dropped there unasked. Every
 *   process refuses to start, naming the remedy: `npm run rebuild-projections`, or another database.
 *
 * Read models that keep no store id yet (new ones, or from before ids were kept) are adopted by the owner.
 */
export const guardReadModelOrigin = async ({ config, logger, events, readStore, projections }: ReadModelOriginDeps): Promise<void> => {
  const origin = await readModelOrigin(events, readStore, projections, [DELIVERY_CHECKPOINT]);
  const owner = runsProjections(config.SERVICE_ROLE);
  if (origin.kind === 'this-store') {
    if (!origin.recorded && owner) await recordReadModelOrigin(readStore, origin.storeId);
    return;
  }
  if (config.MONGODB_URL)
    throw new ReadModelsFromAnotherStoreError(
      `the read models in MongoDB (${withoutCredentials(config.MONGODB_URL)}) were built from another event store (${origin.why}): ` +
        'rebuild them from this one with `npm run rebuild-projections` (same variables, every ledgerflow process stopped), or set MONGODB_URL to another database',
    );
  const file = join(resolve(config.DATA_DIR), 'read-models.sqlite');
  if (!ownsDataDir(config, owner))
    throw new ReadModelsFromAnotherStoreError(
      `the read models in ${file} were built from another event store (${origin.why}): ` +
        'start the process that runs the projections first (it rebuilds them), or run `npm run rebuild-projections` with it stopped',
    );
  logger.warn({ readModels: file, reason: origin.why }, 'the read models were built from another event store: rebuilding them from this one');
  await forgetReadModels(readStore, projections);
  await recordReadModelOrigin(readStore, origin.storeId);
};

/**
 * Drops every read model's live generation, and the saga delivery's checkpoint, so that the projections fill them
 * from position 0 of this store, and the sagas are handed every event of this store (their reactions are idempotent).
 */
export const forgetReadModels = async (readStore: ReadStore, projections: readonly string[]): Promise<void> => {
  for (const projection of projections) await readStore.drop({ projection, generation: await readStore.activeGeneration(projection) });
  await readStore.drop(DELIVERY_CHECKPOINT);
};
