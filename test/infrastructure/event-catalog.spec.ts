import assert from 'node:assert/strict';
import { z } from 'zod';
import { UnknownEventTypeError } from '../../src/application/events/event-registry.js';
import { allModules } from '../../src/infrastructure/modules/all-modules.js';
import { createEventRegistry } from '../../src/infrastructure/modules/event-catalog.js';
import type { PlatformModule } from '../../src/infrastructure/modules/platform-module.js';

describe('event catalog', () => {
  it('given the platform’s modules, then it knows every event each one declares, and the uniqueness claims', () => {
    const registry = createEventRegistry();
    const declared = allModules.flatMap((module) => Object.keys(module.events ?? {}));
    for (const type of ['ProductCreated', 'UserRegistered', 'OrderPlaced', 'MarketResolved', 'SagaRetried']) assert.ok(declared.includes(type), type);
    for (const type of declared) assert.throws(() => registry.encode(type, Symbol('not a payload')), z.ZodError, `${type} is validated by its schema`);
    assert.doesNotThrow(() => registry.encode('UniqueValueClaimed', { scope: 'sku', value: 'A-1', ownerId: 'p-1', claimedAt: '2026-12-03T00:00:00.000Z' }));
  });

  it('given a module that declares an event, then the event is recorded by declaring it there, and by nothing else', () => {
    const coupons: PlatformModule = { name: 'coupons', serves: 'catalog-api', events: { CouponIssued: z.object({ code: z.string() }) } };
    assert.throws(() => createEventRegistry([]).encode('CouponIssued', { code: 'A' }), UnknownEventTypeError);
    assert.deepEqual(createEventRegistry([coupons]).encode('CouponIssued', { code: 'A' }), { data: { code: 'A' }, schemaVersion: 1 });
  });
});
