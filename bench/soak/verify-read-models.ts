/** The soak's check that every read model, as the server left it, equals one rebuilt from the event store. */
import { isDeepStrictEqual } from 'node:util';
import { createEventRegistry } from '../../src/infrastructure/modules/event-catalog.js';
import type { EventStore } from '../../src/application/ports/event-store.js';
import type { ReadDocument, ReadStore } from '../../src/application/ports/read-store.js';
import { allModules } from '../../src/infrastructure/modules/all-modules.js';
import { rebuildProjections } from '../../src/projections/rebuild-projections.js';
import { dumpReadModels } from '../../test/support/read-model-dump.js';

/** What differs between two dumps, collection by collection: the first few documents that do. */
const differences = (live: Record<string, ReadDocument[]>, rebuilt: Record<string, ReadDocument[]>): string[] => {
  const found: string[] = [];
  for (const name of new Set([...Object.keys(live), ...Object.keys(rebuilt)])) {
    const [before, after] = [live[name] ?? [], rebuilt[name] ?? []];
    if (isDeepStrictEqual(before, after)) continue;
    const ids = new Set([...before, ...after].map((document) => document.id));
    const differing = [...ids].filter((id) => !isDeepStrictEqual(before.find((d) => d.id === id), after.find((d) => d.id === id)));
    const first = differing[0];
    found.push(
      `read model ${name}: ${before.length} documents live, ${after.length} rebuilt, ${differing.length} differ; ` +
        `first ${first}: live ${JSON.stringify(before.find((d) => d.id === first))}, rebuilt ${JSON.stringify(after.find((d) => d.id === first))}`,
    );
  }
  return found;
};

/** Dumps every read model, rebuilds them all from the event store (the server is stopped), and compares. */
export const verifyReadModels = async (events: EventStore, readStore: ReadStore, violations: string[]): Promise<{ documents: number }> => {
  const projections = allModules.flatMap((module) => module.projections ?? []);
  const live = await dumpReadModels(readStore, projections);
  const registry = createEventRegistry();
  await rebuildProjections(projections, events, readStore, { decode: (event) => registry.decode(event) });
  const rebuilt = await dumpReadModels(readStore, projections);
  violations.push(...differences(live, rebuilt));
  return { documents: Object.values(live).reduce((sum, documents) => sum + documents.length, 0) };
};
