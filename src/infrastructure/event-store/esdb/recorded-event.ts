import type { AllStreamResolvedEvent, ResolvedEvent } from '@eventstore/db-client';
import type { EventMetadata, RecordedEvent } from '../../../application/ports/event-store.js';
import { positionOf } from './positions.js';

/** EventStoreDB's own records in `$all`: stats, settings, projections' links (`$>`), stream metadata. */
export const isSystemEvent = (event: { type: string }): boolean => event.type.startsWith('$');

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);

/** Metadata as our events carry it, kept whole; an event of another tool may carry none, or not ours: its ids are empty. */
const metadataOf = (value: unknown): EventMetadata =>
  isPlainObject(value) && typeof value.correlationId === 'string' && typeof value.causationId === 'string'
    ? { ...value, correlationId: value.correlationId, causationId: value.causationId }
    : { correlationId: '', causationId: '' };

/**
 * Our view of a record, or undefined when it is not one of ours to deliver: a link whose target is gone
 * (no `event`), a binary event, or JSON data the client could not parse. The client hands malformed JSON back
 * as the raw string, indistinguishable from a JSON string literal; our payloads are never strings, so strings are skipped.
 */
export const toRecordedEvent = (resolved: ResolvedEvent | AllStreamResolvedEvent): RecordedEvent | undefined => {
  const record = resolved.event;
  if (!record?.isJson || typeof record.data === 'string') return undefined;
  const position = positionOf(resolved);
  if (position === undefined) {
    throw new Error(`EventStoreDB gave no position for ${record.streamId}@${record.revision}: it needs to be 22.6 or later`);
  }
  return {
    id: record.id,
    type: record.type,
    data: record.data,
    metadata: metadataOf(record.metadata),
    streamId: record.streamId,
    revision: record.revision,
    position,
    recordedAt: record.created,
  };
};
