import type { Position } from '@eventstore/db-client';

/** Positions are signed 64-bit on the server; ulong.MaxValue on the wire means "none" (Position.FromInt64(-1)). */
const LONG_MAX = 2n ** 63n - 1n;

/**
 * What a server checkpoint says, read against the v24.10 server (Enumerator.AllSubscriptionFiltered.cs,
 * SubscriptionsService.cs): every record before it has been considered by the subscription's filter. Only some
 * checkpoints are the position of a record:
 * - a live checkpoint carries the position of the event that completed the interval (commit = prepare);
 * - a catch-up checkpoint is the start of a page, sent as (post-position of the previous record, 0), which a
 *   chunk boundary can leave outside any record, and which on 25.0.0 can be the end of the log (KurrentDB#4970);
 * - (ulong.MaxValue, ulong.MaxValue) is "none" (sent by 24.10.0-24.10.4 before any progress, KDB-710).
 */
export type CheckpointReading =
  | { kind: 'record'; position: bigint }
  | { kind: 'bound'; position: bigint }
  | { kind: 'none' };

export const readCheckpoint = (checkpoint: Position): CheckpointReading => {
  if (checkpoint.commit <= 0n || checkpoint.commit > LONG_MAX) return { kind: 'none' };
  return checkpoint.commit === checkpoint.prepare ? { kind: 'record', position: checkpoint.commit } : { kind: 'bound', position: checkpoint.commit };
};
