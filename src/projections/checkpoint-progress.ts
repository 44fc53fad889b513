import type { ReadStore } from '../application/ports/read-store.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Read-your-writes for an API process that does not run the projections itself (production roles):
 * it follows the projector's committed checkpoints in the shared read store, backing off between looks.
 * The all-in-one server waits on the runners directly instead, without any polling.
 */
export class CheckpointProgress {
  constructor(private readonly readStore: ReadStore) {}

  async waitFor(readModel: string, position: bigint, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (let pause = 10; ; pause = Math.min(pause * 2, 200)) {
      const generation = await this.readStore.activeGeneration(readModel);
      if ((await this.readStore.checkpoint({ projection: readModel, generation })) >= position) return true;
      if (Date.now() + pause > deadline) return false;
      await sleep(pause);
    }
  }
}
