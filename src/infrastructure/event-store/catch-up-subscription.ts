import type { AllFilter, AllSubscription, RecordedEvent } from '../../application/ports/event-store.js';
import type { AppendSignal } from './append-signal.js';

export interface ScanResult {
  events: RecordedEvent[];
  /** Highest position examined, matching the filter or not; undefined when nothing was there. */
  scannedTo: bigint | undefined;
}

/** Up to `limit` matching events after `after`; fewer than `limit` means it examined everything up to the head. */
export type ScanAfter = (after: bigint, limit: number, filter: AllFilter | undefined) => ScanResult;

const PAGE = 1000;

/**
 * A catch-up subscription over a store that can scan `$all` after a position:
 * reads pages until it finds nothing new, then waits for the next append (or a poll interval,
 * which picks up appends made by other processes on the same file).
 */
export const catchUpSubscription = (
  scanAfter: ScanAfter,
  signal: AppendSignal,
  options: { fromPosition?: bigint; filter?: AllFilter; onIdle?: (position: bigint) => void; pollMs: number },
): AllSubscription => {
  let closed = false;
  let scanned: bigint | undefined = options.fromPosition;
  let wakeClosed: (() => void) | undefined;
  const closedSignal = new Promise<void>((resolve) => (wakeClosed = resolve));

  async function* iterate(): AsyncGenerator<RecordedEvent> {
    let after = options.fromPosition ?? 0n;
    while (!closed) {
      const seen = signal.current;
      const { events, scannedTo } = scanAfter(after, PAGE, options.filter);
      if (scannedTo !== undefined) {
        after = scannedTo;
      }
      for (const event of events) {
        if (closed) return;
        yield event;
      }
      if (scannedTo !== undefined) scanned = scannedTo;
      // A short page reached the head as it was when `seen` was read: scanning again before the next append
      // (or poll) would find nothing, so wait now. A full page means there may be more: scan on.
      if (events.length < PAGE) {
        if (scanned !== undefined) options.onIdle?.(scanned);
        await Promise.race([signal.waitAfter(seen, options.pollMs), closedSignal]);
      }
    }
  }

  const iterator = iterate();
  return {
    get scannedPosition() {
      return scanned;
    },
    [Symbol.asyncIterator]: () => iterator,
    async close() {
      closed = true;
      wakeClosed?.();
      await iterator.return(undefined);
    },
  };
};
