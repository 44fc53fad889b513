import { sagaEventSchemas } from '../../../sagas/saga-log/events.js';
import { sagaStatusProjection } from '../../../sagas/saga-status/saga-status-projection.js';
import { ReactionRunner } from '../../application/sagas/reaction-runner.js';
import { SagaDelivery } from '../../application/sagas/saga-delivery.js';
import { SagaJobs } from '../../application/sagas/saga-jobs.js';
import { SagaReactions } from '../../application/sagas/saga-reactions.js';
import { SagaRecovery } from '../../application/sagas/saga-recovery.js';
import { SagaRuntime } from '../../application/sagas/saga-runtime.js';
import { SagasService } from '../../application/sagas/sagas-service.js';
import { TOKENS } from '../container/tokens.js';
import { OwnUrl } from '../http/own-url.js';
import { sagasEndpoints } from '../http/endpoints/sagas-endpoints.js';
import { createJobQueue } from '../jobs/create-job-queue.js';
import { HttpPaymentGateway } from '../payment-gateway/http-payment-gateway.js';
import { runsSagasInThread, SagaThread } from '../saga-thread/saga-thread.js';
import { type SagaWork, startSagasHere } from '../saga-thread/saga-work.js';
import { moduleRoutes, type PlatformModule } from './platform-module.js';

const running = new WeakMap<object, SagaWork>();

/**
 * The choreographed sagas (order fulfilment, market settlement): their delivery, worker and recovery, the
 * saga-status view and its admin routes, and the payment gateway they charge through (the bundled simulator,
 * started in this process, unless PAYMENT_GATEWAY_URL names another). The all-in-one server with its events in SQLite
 * runs them in a thread of their own (saga-thread.ts).
 */
export const sagasModule: PlatformModule = {
  name: 'sagas',
  serves: 'saga-worker',
  events: sagaEventSchemas,
  bind(container, config) {
    container.bind(TOKENS.PaymentSimulatorUrl).toConstantValue(new OwnUrl());
    container.bind(TOKENS.SagasService).toDynamicValue((ctx) => new SagasService(ctx.get(TOKENS.CommandHandler), ctx.get(TOKENS.ReadStore)));
    container.bind(TOKENS.PaymentGateway).toDynamicValue(
      (ctx) =>
        new HttpPaymentGateway({
          baseUrl: () => config.PAYMENT_GATEWAY_URL ?? ctx.get(TOKENS.PaymentSimulatorUrl).get(),
          timeoutMs: config.PAYMENT_GATEWAY_TIMEOUT_MS,
          // A charge that hangs says nothing about the next one (a card that never answers, tok_timeout): a timeout
          // does not count against the circuit, or a burst of such cards would open it and fail every other charge.
          // Refused connections and 5xx answers do, and open it when nearly every call fails, not after a run of
          // failures that a few flaky charges (tok_flaky) would make.
          breakOnTimeouts: false,
          breakOnRatio: { ratio: 0.9, windowMs: 10_000, minimumRps: 5 },
          logger: ctx.get(TOKENS.Logger),
        }),
    );
    container.bind(TOKENS.SagaWork).toDynamicValue(() => {
      const sagas = running.get(container);
      if (!sagas) throw new Error('the sagas have not started');
      return sagas;
    });
    container.bind(TOKENS.SagaJobQueues).toDynamicValue((ctx) => ({
      steps: createJobQueue(config, config.SAGA_QUEUE, ctx.get(TOKENS.Logger)),
      payments: createJobQueue(config, `${config.SAGA_QUEUE}-payments`, ctx.get(TOKENS.Logger)),
    }));
    container.bind(TOKENS.SagaRuntime).toDynamicValue((ctx) => {
      const commands = ctx.get(TOKENS.CommandHandler);
      const readStore = ctx.get(TOKENS.ReadStore);
      const logger = ctx.get(TOKENS.Logger);
      const registry = ctx.get(TOKENS.EventRegistry);
      const reactions = new SagaReactions(commands, config.PAYMENT_TIMEOUT_MS);
      const jobs = new SagaJobs(ctx.get(TOKENS.SagaJobQueues), { attempts: config.SAGA_ATTEMPTS, initialDelayMs: config.SAGA_BACKOFF_MS, maxDelayMs: config.SAGA_BACKOFF_MAX_MS });
      const events = ctx.get(TOKENS.EventStore);
      return new SagaRuntime({
        events,
        jobs,
        commands,
        runner: new ReactionRunner(commands, ctx.get(TOKENS.PaymentGateway)),
        delivery: new SagaDelivery(events, readStore, (event) => registry.decode(event), reactions, jobs, logger),
        recovery: new SagaRecovery(readStore, reactions, jobs, logger),
        progress: ctx.get(TOKENS.ReadModelProgress),
        logger,
      });
    });
  },
  projections: [sagaStatusProjection],
  routes: [
    moduleRoutes('/api/v1/sagas', sagasEndpoints, (container) => ({ sagas: container.get(TOKENS.SagasService), history: container.get(TOKENS.ResourceHistory) })),
  ],
  async start(container) {
    const config = container.get(TOKENS.Config);
    const logger = container.get(TOKENS.Logger);
    const sagas = runsSagasInThread(config)
      ? await SagaThread.start(config, (error) => {
          // As after any crash, the restart re-derives the sagas' unfinished work.
          logger.fatal({ err: error }, 'the saga thread failed: the process stops');
          process.exit(1);
        })
      : await startSagasHere(container);
    running.set(container, sagas);
  },
  async stop(container) {
    await running.get(container)?.stop();
  },
};
