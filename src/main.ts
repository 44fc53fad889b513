import { ConfigSchema } from './infrastructure/config/config.js';
import { createLogger } from './infrastructure/logging/logger.js';
import { startPlatform } from './infrastructure/platform.js';
import { stopOnSignals } from './infrastructure/process/signals.js';
import { StartupError } from './infrastructure/process/startup-error.js';

// Every line of the process goes through one logger, in one format: pretty on a terminal, JSON otherwise. Made before
// the configuration is read, so that a bad variable is reported like everything else (LOG_LEVEL may be the bad one).
const level = ConfigSchema.shape.LOG_LEVEL.safeParse(process.env.LOG_LEVEL || undefined);
const logger = createLogger(level.success ? level.data : 'info', { pretty: process.stdout.isTTY === true });

// Node's warnings (process.emitWarning: a job queue's trouble, a failed background checkpoint) as log lines too.
process.removeAllListeners('warning');
process.on('warning', (warning) => logger.warn({ err: warning }, warning.message));
const crash = (what: string) => (error: unknown) => {
  logger.fatal({ err: error }, `ledgerflow crashed: ${what}`);
  process.exit(1);
};
process.on('uncaughtException', crash('uncaught exception'));
process.on('unhandledRejection', crash('unhandled rejection'));

// Listening from the start: a signal that comes while the platform starts stops it once it has started.
const platform = startPlatform(process.env, undefined, { logger });
stopOnSignals(async () => (await platform.catch(() => undefined))?.stop(), logger);
try {
  await platform;
} catch (error) {
  // A StartupError already says what is wrong and where, in one line; anything else is a bug worth its stack.
  if (error instanceof StartupError) logger.fatal(error.message);
  else logger.fatal({ err: error }, `ledgerflow failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
