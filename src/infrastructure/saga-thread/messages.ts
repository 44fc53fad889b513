import type { AppendOutcome, CommandOutcome } from '../../application/commands/command-handler.js';
import type { JobDepth } from '../../application/ports/job-queue.js';
import type { SagaStepCounts } from '../../application/sagas/saga-jobs.js';
import type { Config } from '../config/config.js';
import type { CircuitInfo } from '../http-client/resilient-http-client.js';

/** What the saga thread is started with. */
export interface SagaThreadData {
  /** The process's configuration. */
  config: Config;
  /** Log lines for a person (the main thread's logger is pretty). */
  pretty: boolean;
}

/** Commands the thread's command handler settled, since the last such message (metrics). */
export interface CommandObservations {
  settled: [command: string, outcome: CommandOutcome][];
  retried: string[];
  appended: [seconds: number, outcome: AppendOutcome][];
}

/** Where the thread's sagas stand (metrics). */
export interface SagaThreadStatus {
  stepCounts: SagaStepCounts;
  recoveriesDone: number;
  depth: JobDepth | undefined;
  circuit: CircuitInfo | undefined;
}

export type ToSagaThread = { kind: 'status'; id: number } | { kind: 'stop' };

export type FromSagaThread =
  | { kind: 'ready' }
  | { kind: 'start-failed'; message: string }
  | { kind: 'commands'; observations: CommandObservations }
  | { kind: 'status'; id: number; status: SagaThreadStatus; observations: CommandObservations }
  | { kind: 'stopped' };
