import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface EventStoreProfile {
  name: string;
  /** The variables that start a test platform on this store (a fresh one each call). */
  env(): Record<string, string>;
  /** Removes what the last `env()` made. */
  dispose(): void;
}

/** The embedded event stores an API spec runs on: in memory, and SQLite in a directory of its own. */
export const EVENT_STORES: EventStoreProfile[] = [
  { name: 'memory event store', env: () => ({ EVENTSTORE_URL: 'memory:' }), dispose: () => undefined },
  (() => {
    let dir: string | undefined;
    return {
      name: 'SQLite event store',
      env: () => {
        dir = mkdtempSync(join(tmpdir(), 'ledgerflow-api-'));
        return { EVENTSTORE_URL: `sqlite:${join(dir, 'events.sqlite')}`, DATA_DIR: dir };
      },
      dispose: () => {
        if (dir) rmSync(dir, { recursive: true, force: true });
      },
    };
  })(),
];
