import { catalogModule } from './catalog-module.js';
import { eventBrowserModule } from './event-browser-module.js';
import { marketsModule } from './markets-module.js';
import { openapiModule } from './openapi-module.js';
import { operationsModule } from './operations-module.js';
import { ordersModule } from './orders-module.js';
import { sagasModule } from './sagas-module.js';
import type { PlatformModule } from './platform-module.js';
import { usersModule } from './users-module.js';

/** Every bounded context of the platform, in the order their routes are mounted. */
export const allModules: readonly PlatformModule[] = [usersModule, catalogModule, ordersModule, marketsModule, sagasModule, operationsModule, eventBrowserModule, openapiModule];
