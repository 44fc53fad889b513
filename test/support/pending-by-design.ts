/**
 * Suites that cannot run here by design: the server they need is not configured (EventStoreDB without
 * EVENTSTORE_URL; Redis or MongoDB without REDIS_URL / MONGODB_URL on a developer's machine).
 *
 * Mocha runs with `forbid-pending` (.mocharc.json), so a pending test (`it('title')`, `it.skip`, `this.skip()`)
 * fails the run: nothing can be left out by accident. Such a suite instead records its cases here and registers
 * no test; the summary reporter (summary-reporter.cjs) counts them as skipped and names each suite and why, and
 * `.ci/run` refuses the run when a suite is pending although CI set the variable it needs.
 *
 *   const pending = pendingByDesign('EsdbEventStore', { needs: 'EVENTSTORE_URL', reason: 'set EVENTSTORE_URL to run' });
 *   if (pending) pending.add('given …, then …'); else it('given …, then …', async () => { … });
 */

export interface NotConfigured {
  /** The environment variable whose absence keeps the suite from running. */
  needs: string;
  /** Why, and how to run it. */
  reason: string;
}

export interface PendingSuite extends NotConfigured {
  suite: string;
  tests: string[];
}

const REGISTRY = Symbol.for('ledgerflow.pendingByDesign');

/** Every suite recorded in this process (the reporter reads the same list through the same global symbol). */
export const pendingSuites = (): PendingSuite[] => {
  const holder = globalThis as unknown as Record<symbol, PendingSuite[] | undefined>;
  return (holder[REGISTRY] ??= []);
};

/** Records `suite` as pending by design and answers a recorder for its cases; undefined when `notHere` is undefined (the suite runs). */
export const pendingByDesign = (suite: string, notHere: NotConfigured | undefined): { add(test: string): void } | undefined => {
  if (notHere === undefined) return undefined;
  const entry: PendingSuite = { suite, needs: notHere.needs, reason: notHere.reason, tests: [] };
  pendingSuites().push(entry);
  return { add: (test) => void entry.tests.push(test) };
};
