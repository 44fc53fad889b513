import { marketEventSchemas } from '../../domain/markets/events.js';
import { orderEventSchemas } from '../../domain/orders/events.js';
import { productEventSchemas } from '../../domain/products/events.js';
import { sagaEventSchemas } from '../../../sagas/saga-log/events.js';
import { userEventSchemas } from '../../domain/users/events.js';
import { uniqueClaimEventSchemas } from '../uniqueness/unique-claims.js';
import { EventRegistry } from './event-registry.js';

/** Every event type the platform records, with its current schema (and upcasters, once a payload changes). */
export const createEventRegistry = (): EventRegistry =>
  new EventRegistry()
    .registerAll(productEventSchemas)
    .registerAll(userEventSchemas)
    .registerAll(orderEventSchemas)
    .registerAll(marketEventSchemas)
    .registerAll(sagaEventSchemas)
    .registerAll(uniqueClaimEventSchemas);
