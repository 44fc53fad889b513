import { EventRegistry } from '../../application/events/event-registry.js';
import { uniqueClaimEventSchemas } from '../../application/uniqueness/unique-claims.js';
import { allModules } from './all-modules.js';
import type { PlatformModule } from './platform-module.js';

/**
 * Every event type the platform records, with its current schema (and upcasters, once a payload changes): the
 * events each module declares, and the platform's own uniqueness claims.
 */
export const createEventRegistry = (modules: readonly PlatformModule[] = allModules): EventRegistry => {
  const registry = new EventRegistry().registerAll(uniqueClaimEventSchemas);
  for (const module of modules) if (module.events) registry.registerAll(module.events);
  return registry;
};
