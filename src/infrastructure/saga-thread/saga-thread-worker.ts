import { parentPort, workerData } from 'node:worker_threads';
import type { AppendOutcome, CommandOutcome } from '../../application/commands/command-handler.js';
import type { Config } from '../config/config.js';
import { buildContainer } from '../container/container.js';
import { TOKENS } from '../container/tokens.js';
import { createLogger } from '../logging/logger.js';
import { allModules } from '../modules/all-modules.js';
import type { CommandObservations, FromSagaThread, SagaThreadData, ToSagaThread } from './messages.js';
import { startSagasHere } from './saga-work.js';

/**
 * The saga thread of the all-in-one server (see saga-thread.ts): the sagas of a `saga-worker`, on connections of
 * their own to the same files, reporting to the main thread over its port.
 */
const port = parentPort!;
const post = (message: FromSagaThread): void => port.postMessage(message);
const data = workerData as SagaThreadData;
const config: Config = { ...data.config, SERVICE_ROLE: 'saga-worker' };
const logger = createLogger(config.LOG_LEVEL, { pretty: data.pretty }).child({ thread: 'sagas' });
// The thread's warnings (a job queue's trouble) as log lines, as the main thread's are.
process.removeAllListeners('warning');
process.on('warning', (warning) => logger.warn({ err: warning }, warning.message));

/** The commands settled since they were last sent: sent every second, and with each status. */
let observations: CommandObservations = { settled: [], retried: [], appended: [] };
const takeObservations = (): CommandObservations => {
  const taken = observations;
  observations = { settled: [], retried: [], appended: [] };
  return taken;
};
const hasObservations = () => observations.settled.length + observations.retried.length + observations.appended.length > 0;

const start = async () => {
  // The main thread's store on the same file checkpoints it.
  const container = await buildContainer(config, logger, allModules, { checkpointedByAnother: true });
  container.get(TOKENS.CommandHandler).observe({
    settled: (command: string, outcome: CommandOutcome) => void observations.settled.push([command, outcome]),
    retried: (command: string) => void observations.retried.push(command),
    appended: (seconds: number, outcome: AppendOutcome) => void observations.appended.push([seconds, outcome]),
  });
  // The read models this thread reads (the saga view, for the recovery) and commits a checkpoint beside.
  await container.get(TOKENS.Projections).defineReadModels();
  const sagas = await startSagasHere(container);
  const reporting = setInterval(() => hasObservations() && post({ kind: 'commands', observations: takeObservations() }), 1000);
  const answerStatus = async (id: number) => {
    const depth = await sagas.jobDepth().catch(() => undefined);
    const status = { stepCounts: sagas.stepCounts, recoveriesDone: sagas.recoveriesDone, depth, circuit: sagas.circuit };
    post({ kind: 'status', id, status, observations: takeObservations() });
  };
  const stop = async () => {
    clearInterval(reporting);
    try {
      await sagas.stop();
      await container.get(TOKENS.Projections).stop();
      if (config.REDIS_URL) await container.get(TOKENS.Redis).quit();
      await container.get(TOKENS.ReadStore).close();
      await container.get(TOKENS.EventStore).close();
    } catch (error) {
      logger.error({ err: error }, 'the saga thread did not stop cleanly');
    }
    post({ kind: 'stopped' });
    port.close();
  };
  port.on('message', (message: ToSagaThread) => void (message.kind === 'status' ? answerStatus(message.id) : stop()));
  post({ kind: 'ready' });
};

start().catch((error: unknown) => post({ kind: 'start-failed', message: error instanceof Error ? error.message : String(error) }));
