import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** tsx's ESM API (its `register`), as its package exports it to `import`. */
const tsxApi = (): string => {
  const require = createRequire(import.meta.url);
  const manifest = require('tsx/package.json') as { exports: Record<string, { import: { default: string } }> };
  return pathToFileURL(join(dirname(require.resolve('tsx/package.json')), manifest.exports['./esm/api']!.import.default)).href;
};

/**
 * A worker thread running the module at `url`. A TypeScript module (the platform runs from its sources, through tsx)
 * needs tsx's loader in the thread too: `--import tsx` in a worker's execArgv does not carry it there, so the thread
 * starts from a line that registers tsx and then imports the module.
 */
export const moduleWorker = (url: URL, options: Omit<WorkerOptions, 'eval'> = {}): Worker => {
  if (!url.pathname.endsWith('.ts')) return new Worker(url, options);
  const boot = `import(${JSON.stringify(tsxApi())}).then(({ register }) => (register(), import(${JSON.stringify(url.href)})));`;
  return new Worker(boot, { ...options, eval: true });
};
