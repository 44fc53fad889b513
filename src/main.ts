import { startPlatform } from './infrastructure/platform.js';
import { StartupError } from './infrastructure/process/startup-error.js';

try {
  const platform = await startPlatform(process.env);
  const shutdown = (signal: string) => {
    process.stderr.write(`${signal}: finishing in-flight work\n`);
    platform.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`shutdown failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
} catch (error) {
  process.stderr.write(`${error instanceof StartupError ? error.message : `ledgerflow failed to start: ${String(error)}`}\n`);
  process.exit(1);
}
