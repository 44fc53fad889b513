import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { CommandHandler } from '../../src/application/commands/command-handler.js';
import { createEventRegistry } from '../../src/infrastructure/modules/event-catalog.js';
import type { JobQueue } from '../../src/application/ports/job-queue.js';
import { NoOutcomeYet } from '../../src/application/sagas/no-outcome-yet.js';
import type { ReactionRunner } from '../../src/application/sagas/reaction-runner.js';
import { type SagaLanes, SagaJobs } from '../../src/application/sagas/saga-jobs.js';
import { MemoryEventStore } from '../../src/infrastructure/event-store/memory-event-store.js';
import { InProcessJobQueue } from '../../src/infrastructure/jobs/in-process-job-queue.js';
import type { Reaction } from '../../sagas/reaction.js';
import { sagaLogStream } from '../../sagas/saga-log/saga-log.js';
import { chargePayment, confirmOrder, paymentTimeout, refundPayment } from '../../sagas/order-fulfilment/steps.js';
import { orderDecider } from '../../src/domain/orders/order.js';
import { existing } from '../support/decider-spec.js';
import { eventually } from '../support/saga-flow.js';

const logger = pino({ level: 'silent' });
const policy = { attempts: 3, initialDelayMs: 1, maxDelayMs: 5 };

/** A runner the spec steers: each reaction's step answers what `answer` says, and the runs are counted by step. */
class SteeredRunner {
  readonly runs: string[] = [];
  answer: (reaction: Reaction, run: number) => Promise<void> = async () => undefined;

  async run(reaction: Reaction): Promise<void> {
    this.runs.push(reaction.step);
    await this.answer(reaction, this.runs.filter((step) => step === reaction.step).length);
  }
}

/** A placed order of one item, paid with tok_timeout. */
const orderOf = (orderId: string) =>
  existing(
    orderDecider.evolve(orderDecider.initialState(), {
      type: 'OrderPlaced',
      data: { orderId, customerId: 'u-1', items: [{ productId: 'p-1', quantity: 1, unitPrice: { amount: 100, currency: 'EUR' } }], total: { amount: 100, currency: 'EUR' }, paymentToken: 'tok_timeout', placedAt: '2025-01-01T10:00:00.000Z' },
    }),
  );

describe('saga jobs: attempts, tries without an outcome, and the lanes', () => {
  let store: MemoryEventStore;
  let commands: CommandHandler;
  let lanes: SagaLanes<JobQueue>;
  let jobs: SagaJobs;
  let runner: SteeredRunner;

  const start = (concurrency?: SagaLanes<number>) => jobs.work(runner as unknown as ReactionRunner, commands, logger, concurrency);
  const cause = { id: 'event-1', correlationId: 'c-1' };
  const logOf = async (sagaId: string) => (await store.readStream(sagaLogStream(sagaId))).map((event) => `${event.type} ${(event.data as { attempt?: number; attempts?: number }).attempt ?? (event.data as { attempts: number }).attempts}`);

  beforeEach(() => {
    store = new MemoryEventStore();
    commands = new CommandHandler(store, createEventRegistry());
    lanes = { steps: new InProcessJobQueue(), payments: new InProcessJobQueue() };
    jobs = new SagaJobs(lanes, policy);
    runner = new SteeredRunner();
  });
  afterEach(() => jobs.close());

  it('given a charge with no outcome yet, when it keeps getting none, then it is tried again past its attempts, never a dead letter, and each try is logged', async () => {
    const orderId = randomUUID();
    runner.answer = async (_reaction, run) => {
      if (run < 7) throw new NoOutcomeYet('payment gateway circuit is open');
    };
    start();
    await jobs.enqueue(chargePayment(orderOf(orderId)), cause);
    await eventually('the seventh try', async () => runner.runs.length, (runs) => runs === 7);
    await eventually('the tries logged', () => logOf(orderId), (log) => log.length === 6);
    assert.deepEqual(jobs.counts, { succeeded: 1, retried: 6, deadLettered: 0 });
    assert.deepEqual((await logOf(orderId)).sort(), [1, 2, 3, 4, 5, 6].map((attempt) => `SagaStepAttemptFailed ${attempt}`).sort());
  });

  it('given a step that fails with a fault, when its attempts run out, then it is a dead letter', async () => {
    const orderId = randomUUID();
    runner.answer = async () => {
      throw new Error('the payment gateway answered POST /v1/charges with 400');
    };
    start();
    await jobs.enqueue(chargePayment(orderOf(orderId)), cause);
    await eventually('the dead letter', () => logOf(orderId), (log) => log.includes('SagaStepDeadLettered 3'));
    assert.equal(runner.runs.length, 3);
    assert.equal(jobs.counts.deadLettered, 1);
  });

  it('given every payment slot held by charges that hang, when other steps come, then they run', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    runner.answer = async (reaction) => {
      if (reaction.kind === 'charge') await held;
    };
    start({ steps: 2, payments: 2 });
    const hanging = Array.from({ length: 4 }, () => randomUUID());
    for (const orderId of hanging) await jobs.enqueue(chargePayment(orderOf(orderId)), cause);
    await eventually('two charges running', async () => runner.runs.length, (runs) => runs === 2);
    const other = randomUUID();
    await jobs.enqueue(confirmOrder(other), cause);
    await eventually('the other order confirmed', async () => runner.runs, (runs) => runs.includes('confirm-order'));
    release();
  });

  it('puts the calls to the gateway in the payments lane (charge, deadline, refund) and commands in the steps lane', async () => {
    const orderId = randomUUID();
    await jobs.enqueue(chargePayment(orderOf(orderId)), cause);
    await jobs.enqueue(paymentTimeout(orderId, new Date(Date.now() + 60_000).toISOString()), cause);
    await jobs.enqueue(refundPayment(orderId, 'ch-1'), cause);
    await jobs.enqueue(confirmOrder(orderId), cause);
    assert.deepEqual(await lanes.payments.depth!(), { waiting: 2, delayed: 1, active: 0 });
    assert.deepEqual(await lanes.steps.depth!(), { waiting: 1, delayed: 0, active: 0 });
    assert.deepEqual(await jobs.depth(), { waiting: 3, delayed: 1, active: 0 });
  });
});
