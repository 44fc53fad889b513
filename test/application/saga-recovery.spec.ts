import assert from 'node:assert/strict';
import pino from 'pino';
import type { SagaJobs } from '../../src/application/sagas/saga-jobs.js';
import type { SagaReactions } from '../../src/application/sagas/saga-reactions.js';
import { SagaRecovery } from '../../src/application/sagas/saga-recovery.js';
import { orderDecider } from '../../src/domain/orders/order.js';
import { existing } from '../support/decider-spec.js';
import { MemoryReadStore } from '../../src/infrastructure/read-store/memory-read-store.js';
import { chargePayment, paymentTimeout, releaseStock } from '../../sagas/order-fulfilment/steps.js';
import type { Reaction } from '../../sagas/reaction.js';
import type { SagaDocument, SagaStatus, SagaStep } from '../../sagas/saga-status/saga-document.js';

const AT = '2025-01-01T10:00:00.000Z';
const DUE_AT = '2025-01-01T10:00:30.000Z';
const step = (name: string, status: SagaStep['status']): SagaStep => ({ name, status, at: AT, attempts: 1, error: null });
const saga = (id: string, status: SagaStatus, steps: SagaStep[]): SagaDocument => ({
  id,
  type: 'order-fulfilment',
  status,
  startedAt: AT,
  updatedAt: AT,
  steps,
  pendingTimeout: { dueAt: DUE_AT },
  version: 1,
  correlationId: `correlation-${id}`,
  fulfilment: null,
});
/** A placed order of one item. */
const order = (orderId: string) =>
  existing(
    orderDecider.evolve(orderDecider.initialState(), {
      type: 'OrderPlaced',
      data: { orderId, customerId: 'u-1', items: [{ productId: 'p-1', quantity: 1, unitPrice: { amount: 100, currency: 'EUR' } }], total: { amount: 100, currency: 'EUR' }, paymentToken: 'tok_visa', placedAt: '2025-01-01T10:00:00.000Z' },
    }),
  );

describe('saga recovery: the work of unfinished sagas re-derived from the event store', () => {
  const work: Record<string, Reaction[]> = {
    running: [chargePayment(order('running')), paymentTimeout('running', DUE_AT)],
    failed: [chargePayment(order('failed')), paymentTimeout('failed', DUE_AT)],
    'failed-release': [releaseStock('failed-release', 'p-1')],
    done: [],
  };
  let enqueued: { step: string; sagaId: string; correlationId: string }[];
  let recovery: SagaRecovery;

  beforeEach(async () => {
    const readStore = new MemoryReadStore();
    await readStore.define('sagas', [{ name: 'sagas', indexes: ['type', 'status', 'startedAt'] }]);
    const documents = [
      saga('running', 'running', [step('charge-payment', 'retrying')]),
      saga('failed', 'failed', [step('charge-payment', 'failed')]),
      saga('failed-release', 'failed', [step('release-stock:p-1', 'failed')]),
      saga('done', 'completed', [step('charge-payment', 'succeeded')]),
    ];
    await readStore.commit({ projection: 'sagas', generation: 0 }, documents.map((document, index) => ({ collection: 'sagas', id: document.id, document, position: BigInt(index + 1) })), 4n);
    enqueued = [];
    const reactions = { pending: async (_type: string, sagaId: string) => work[sagaId] ?? [] } as unknown as SagaReactions;
    const jobs = {
      enqueue: async (reaction: Reaction, cause: { correlationId: string }) => void enqueued.push({ step: reaction.step, sagaId: reaction.sagaId, correlationId: cause.correlationId }),
    } as unknown as SagaJobs;
    recovery = new SagaRecovery(readStore, reactions, jobs, pino({ level: 'silent' }));
  });

  it('given a running saga, when recovered, then all its work is enqueued again', async () => {
    await recovery.recover();
    assert.deepEqual(
      enqueued.filter((job) => job.sagaId === 'running').map((job) => job.step),
      ['charge-payment', 'payment-timeout'],
    );
  });

  it('given a failed saga whose charge was dead-lettered, when recovered, then its payment deadline is enqueued again, its charge left for an admin', async () => {
    await recovery.recover();
    assert.deepEqual(enqueued.filter((job) => job.sagaId === 'failed'), [{ step: 'payment-timeout', sagaId: 'failed', correlationId: 'correlation-failed' }]);
  });

  it('given a failed saga whose only work is its dead letter, and a finished saga, when recovered, then nothing of theirs is enqueued', async () => {
    assert.equal(await recovery.recover(), 3);
    assert.deepEqual(enqueued.filter((job) => job.sagaId === 'failed-release' || job.sagaId === 'done'), []);
  });
});
