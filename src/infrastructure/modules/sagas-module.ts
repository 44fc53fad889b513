import { sagaEventSchemas } from '../../../sagas/saga-log/events.js';
import { sagaStatusProjection } from '../../../sagas/saga-status/saga-status-projection.js';
import { ReactionRunner } from '../../application/sagas/reaction-runner.js';
import { SagaDelivery } from '../../application/sagas/saga-delivery.js';
import { SagaJobs } from '../../application/sagas/saga-jobs.js';
import { SagaReactions } from '../../application/sagas/saga-reactions.js';
import { SagaRecovery } from '../../application/sagas/saga-recovery.js';
import { SagaRuntime } from '../../application/sagas/saga-runtime.js';
import { SagasService } from '../../application/sagas/sagas-service.js';
import type { Config } from '../config/config.js';
import { TOKENS } from '../container/tokens.js';
import { OwnUrl } from '../http/own-url.js';
import { sagasEndpoints } from '../http/endpoints/sagas-endpoints.js';
import { createJobQueue } from '../jobs/create-job-queue.js';
import { HttpPaymentGateway } from '../payment-gateway/http-payment-gateway.js';
import { type PaymentSimulator, startPaymentSimulator } from '../payment-gateway/simulator/payment-simulator.js';
import { moduleRoutes, type PlatformModule } from './platform-module.js';

const simulators = new WeakMap<object, PaymentSimulator>();

/** The bundled simulator keeps its ledger beside the embedded event store, or in memory when nothing is kept. */
export const simulatorDataDir = (config: Config): string | undefined => (config.EVENTSTORE_URL?.startsWith('memory:') ? undefined : config.DATA_DIR);

/**
 * The choreographed sagas (order fulfilment, market settlement): their delivery, worker and recovery, the
 * saga-status view and its admin routes, and the payment gateway they charge through (the bundled simulator,
 * started in this process, unless PAYMENT_GATEWAY_URL names another).
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
    if (config.PAYMENT_GATEWAY_URL === undefined) {
      const simulator = await startPaymentSimulator({ dataDir: simulatorDataDir(config) });
      simulators.set(container, simulator);
      container.get(TOKENS.PaymentSimulatorUrl).set(simulator.url);
    }
    await container.get(TOKENS.SagaRuntime).start();
  },
  async stop(container) {
    // The simulator first: a charge it holds (tok_timeout) then fails at once, instead of keeping a job, and so the
    // shutdown, waiting for the client's timeouts; the attempt is tried again after the restart.
    await simulators.get(container)?.stop();
    await container.get(TOKENS.SagaRuntime).stop();
  },
};
