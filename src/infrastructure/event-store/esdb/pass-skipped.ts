import { type AllStreamResolvedEvent, FORWARDS, type ReadAllOptions, START, type StreamingRead } from '@eventstore/db-client';
import { positionOf, toClientPosition } from './positions.js';

export type ReadAll = (options: ReadAllOptions) => StreamingRead<AllStreamResolvedEvent>;

const PAGE = 64;

/**
 * How far an idle subscription has really read, in a real record position. From `from` (a record position, or the
 * start of `$all`), before which the subscription has delivered every record it would deliver, this reads `$all`
 * forwards, unfiltered, and passes the records the subscription would not deliver (or has delivered already),
 * stopping before the first one still on its way to it. Answers the position of the last record passed, undefined
 * when none was. The records read are the ones the server's filter skipped since its last checkpoint: a page or two.
 */
export const passSkipped = async (
  readAll: ReadAll,
  from: bigint | undefined,
  onItsWay: (resolved: AllStreamResolvedEvent) => boolean,
  abandoned: () => boolean,
): Promise<bigint | undefined> => {
  let passed: bigint | undefined;
  let position = from;
  for (;;) {
    const read = readAll({ direction: FORWARDS, fromPosition: position === undefined ? START : toClientPosition(position), maxCount: PAGE });
    let count = 0;
    let stopped = false;
    try {
      for await (const resolved of read) {
        count++;
        const at = positionOf(resolved);
        if (at === undefined || onItsWay(resolved) || abandoned()) {
          stopped = true;
          break;
        }
        passed = at;
        position = at;
      }
    } finally {
      if (stopped) await read.cancel().catch(() => undefined);
    }
    if (stopped || count < PAGE) return passed;
  }
};
