import type { AllStreamResolvedEvent, Position, ResolvedEvent } from '@eventstore/db-client';

/** What servers before 22.6 put in a position they do not know (stream reads, idempotent appends): ulong max, or 0. */
const UNKNOWN = 2n ** 64n - 1n;

/** A position the server really gave; the log starts with a system record, so no event sits at 0. */
export const knownPosition = (position: bigint | undefined): bigint | undefined =>
  position === undefined || position <= 0n || position >= UNKNOWN ? undefined : position;

/** The commit position of a record as read (links are never resolved here, so it is the record's own). */
export const positionOf = (resolved: ResolvedEvent | AllStreamResolvedEvent): bigint | undefined =>
  knownPosition(resolved.event?.position?.commit) ?? knownPosition(resolved.commitPosition);

/**
 * Our positions are commit positions only. Every event appended to EventStoreDB 20+ is its own implicit
 * transaction, whose commit position is the event's own log position (the server's AllReader builds it as
 * `CommitEventRecord(eventRecord, eventRecord.LogPosition)`), so commit equals prepare and the pair is exact.
 * Only explicit transactions of the legacy TCP API differ, and nothing here writes them.
 */
export const toClientPosition = (position: bigint): Position => ({ commit: position, prepare: position });
