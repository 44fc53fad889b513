import type { Container } from 'inversify';
import type { CommandObserver } from '../../application/commands/command-handler.js';
import type { JobDepth } from '../../application/ports/job-queue.js';
import type { SagaStepCounts } from '../../application/sagas/saga-jobs.js';
import type { Config } from '../config/config.js';
import { TOKENS } from '../container/tokens.js';
import type { CircuitInfo } from '../http-client/resilient-http-client.js';
import { type PaymentSimulator, startPaymentSimulator } from '../payment-gateway/simulator/payment-simulator.js';

/** The bundled simulator keeps its ledger beside the embedded event store, or in memory when nothing is kept. */
export const simulatorDataDir = (config: Config): string | undefined => (config.EVENTSTORE_URL?.startsWith('memory:') ? undefined : config.DATA_DIR);

/** The bundled payment simulator, unless PAYMENT_GATEWAY_URL names the gateway to charge through. */
export const startBundledSimulator = async (config: Config): Promise<PaymentSimulator | undefined> =>
  config.PAYMENT_GATEWAY_URL === undefined ? startPaymentSimulator({ dataDir: simulatorDataDir(config) }) : undefined;

/** The sagas a process runs, in its main thread or in a thread of their own: what its /metrics and its stop see of them. */
export interface SagaWork {
  /** The saga steps run, retried and dead-lettered. */
  readonly stepCounts: SagaStepCounts;
  /** Times every unfinished saga's work was re-derived (on boot, after each loss of the queue's store). */
  readonly recoveriesDone: number;
  /** The jobs both lanes hold; undefined when the queues cannot tell. */
  jobDepth(): Promise<JobDepth | undefined>;
  /** The payment gateway client's circuit breaker. */
  readonly circuit: CircuitInfo | undefined;
  /** Brings the figures above up to date (before a scrape), and the commands the sagas ran to `observeCommands`'s observer. */
  refresh(): Promise<void>;
  /** Told of the commands the sagas run where the process's own command handler does not see them (another thread). */
  observeCommands(observer: CommandObserver): void;
  stop(): Promise<void>;
}

/**
 * Runs the sagas in this thread, from `container`: the bundled payment simulator (unless PAYMENT_GATEWAY_URL names
 * another gateway), then the delivery, the worker on the job queue and the recovery.
 */
export const startSagasHere = async (container: Container): Promise<SagaWork> => {
  const config = container.get(TOKENS.Config);
  const simulator = await startBundledSimulator(config);
  if (simulator) container.get(TOKENS.PaymentSimulatorUrl).set(simulator.url);
  const runtime = container.get(TOKENS.SagaRuntime);
  try {
    await runtime.start();
  } catch (error) {
    await simulator?.stop();
    throw error;
  }
  const gateway = container.get(TOKENS.PaymentGateway) as { readonly circuit?: CircuitInfo };
  return {
    get stepCounts() {
      return runtime.stepCounts;
    },
    get recoveriesDone() {
      return runtime.recoveriesDone;
    },
    jobDepth: () => runtime.jobDepth(),
    get circuit() {
      return gateway.circuit;
    },
    refresh: async () => undefined,
    // This thread's command handler runs them: its observer sees them already.
    observeCommands: () => undefined,
    async stop() {
      // The simulator first: a charge it holds (tok_timeout) then fails at once, instead of keeping a job, and so the
      // shutdown, waiting for the client's timeouts; the attempt is tried again after the restart.
      await simulator?.stop();
      await runtime.stop();
    },
  };
};
