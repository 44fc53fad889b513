import type { ReadDocument, ReadStore } from '../../src/application/ports/read-store.js';
import type { Projection } from '../../src/projections/projection.js';

/** Every document of every collection of these projections, as queries see them, keyed by collection. */
export const dumpReadModels = async (readStore: ReadStore, projections: readonly Projection[]): Promise<Record<string, ReadDocument[]>> => {
  const dump: Record<string, ReadDocument[]> = {};
  for (const projection of projections) {
    await readStore.define(projection.name, projection.collections);
    for (const { name } of projection.collections) {
      const documents: ReadDocument[] = [];
      let cursor: string | undefined;
      do {
        const page = await readStore.find(name, { limit: 100, cursor });
        documents.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      dump[name] = documents;
    }
  }
  return dump;
};
