import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { IdempotencyStore } from '../../src/application/ports/idempotency-store.js';
import { type NotConfigured, pendingByDesign } from '../support/pending-by-design.js';

const response = { status: 201, headers: { 'content-type': 'application/json', 'x-position': '7' }, body: '{"id":"a"}' };

/** The same cases on every IdempotencyStore adapter. */
export const idempotencyStoreConformance = (name: string, open: () => Promise<IdempotencyStore>, options: { notHere?: NotConfigured } = {}) => {
  const suite = `${name} conforms to the idempotency store port`;
  const pending = pendingByDesign(suite, options.notHere);
  describe(suite, () => {
    const cases: [string, (store: IdempotencyStore, key: string) => Promise<void>][] = [
      [
        'given an unseen key, when claimed, then the caller owns it',
        async (store, key) => assert.deepEqual(await store.claim(key, 'f1', 10_000), { state: 'claimed' }),
      ],
      [
        'given a claimed key, when claimed again, then it is in progress with the first fingerprint',
        async (store, key) => {
          await store.claim(key, 'f1', 10_000);
          assert.deepEqual(await store.claim(key, 'f2', 10_000), { state: 'in_progress', fingerprint: 'f1' });
        },
      ],
      [
        'given a completed key, when claimed, then the stored response comes back',
        async (store, key) => {
          await store.claim(key, 'f1', 10_000);
          await store.complete(key, 'f1', response, 60_000);
          assert.deepEqual(await store.claim(key, 'f1', 10_000), { state: 'completed', fingerprint: 'f1', response });
        },
      ],
      [
        'given a released claim, when claimed again, then the new caller owns it',
        async (store, key) => {
          await store.claim(key, 'f1', 10_000);
          await store.release(key, 'f1');
          assert.deepEqual(await store.claim(key, 'f1', 10_000), { state: 'claimed' });
        },
      ],
      [
        'given a completed key, when released, then the response is kept',
        async (store, key) => {
          await store.claim(key, 'f1', 10_000);
          await store.complete(key, 'f1', response, 60_000);
          await store.release(key, 'f1');
          assert.equal((await store.claim(key, 'f1', 10_000)).state, 'completed');
        },
      ],
      [
        'given a claim whose lease ran out (a crashed request), when claimed, then the new caller owns it',
        async (store, key) => {
          await store.claim(key, 'f1', 30);
          await new Promise((resolve) => setTimeout(resolve, 80));
          assert.deepEqual(await store.claim(key, 'f2', 10_000), { state: 'claimed' });
        },
      ],
      [
        'given 20 parallel claims of one key, then exactly one owns it',
        async (store, key) => {
          const states = await Promise.all(Array.from({ length: 20 }, () => store.claim(key, 'f1', 10_000)));
          assert.equal(states.filter((state) => state.state === 'claimed').length, 1);
          assert.equal(states.filter((state) => state.state === 'in_progress').length, 19);
        },
      ],
    ];
    for (const [title, run] of cases) {
      if (pending) pending.add(title);
      else
        it(title, async () => {
          const store = await open();
          try {
            await run(store, `key-${randomUUID()}`);
          } finally {
            await store.close();
          }
        });
    }
  });
};
