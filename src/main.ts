import { ConfigSchema } from './infrastructure/config/config.js';
import { createLogger } from './infrastructure/logging/logger.js';
import { startPlatform } from './infrastructure/platform.js';
import { stopOnSignals } from './infrastructure/process/signals.js';
import { StartupError } from './infrastructure/process/startup-error.js';

// Made before the configuration is read, so that a bad variable is reported as a log line (LOG_LEVEL may be the bad one).
const level = ConfigSchema.shape.LOG_LEVEL.safeParse(process.env.LOG_LEVEL || undefined);
const logger = createLogger(level.success ? level.data : 'info');

// Listening from the start: a signal that comes while the platform starts stops it once it has started.
const platform = startPlatform(process.env);
stopOnSignals(async () => (await platform.catch(() => undefined))?.stop(), logger);
try {
  await platform;
} catch (error) {
  // A StartupError already says what is wrong and where, in one line; anything else is a bug worth its stack.
  if (error instanceof StartupError) logger.fatal(error.message);
  else logger.fatal({ err: error }, `ledgerflow failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
