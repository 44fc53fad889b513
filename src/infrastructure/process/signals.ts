import type { Logger } from '../logging/logger.js';

/**
 * What a user or a supervisor sends to stop a process: `kill`, docker stop, the terminal's Ctrl-C, a closed terminal
 * (SIGHUP; Node resets an inherited "ignore", so even under nohup it would end the process, abruptly, without this).
 */
export const STOP_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

export interface StopOnSignalsOptions {
  /** A stop that has not finished by then exits 1 anyway. */
  graceMs?: number;
  /**
   * Repeats closer together than this are one: under `npm start` a Ctrl-C reaches the server twice, from the
   * terminal (to the whole process group) and from npm (which forwards it).
   */
  repeatWithinMs?: number;
  exit?: (code: number) => void;
}

/**
 * Stops the platform gracefully on the first stop signal (in-flight requests finish, projections and sagas stop,
 * stores close) and exits 0, or 1 if the stop failed or outlasted `graceMs`. A second signal sent on purpose (later
 * than `repeatWithinMs`) exits 1 at once, without waiting.
 */
export const stopOnSignals = (
  stop: () => Promise<void>,
  logger: Logger,
  { graceMs = 30_000, repeatWithinMs = 1_000, exit = (code) => process.exit(code) }: StopOnSignalsOptions = {},
): void => {
  let first: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (first !== undefined) {
      if (Date.now() - first < repeatWithinMs) return;
      logger.warn({ signal }, `${signal} again: exiting now, without waiting for in-flight work`);
      return exit(1);
    }
    first = Date.now();
    logger.info({ signal }, `${signal}: stopping, once in-flight work has finished`);
    const deadline = setTimeout(() => {
      logger.error({ graceMs }, `not stopped after ${graceMs} ms: exiting anyway`);
      exit(1);
    }, graceMs);
    deadline.unref();
    stop().then(
      () => exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'stopping failed');
        exit(1);
      },
    );
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
};
