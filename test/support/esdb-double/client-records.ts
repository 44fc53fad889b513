import type { AllStreamRecordedEvent, AllStreamResolvedEvent, JSONType, MetadataType, ResolvedEvent } from '@eventstore/db-client';
import type { StoredEvent } from './transaction-log.js';

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

/** convertGrpcRecord's safeParseJSON: malformed JSON data comes back as the raw string. */
const parseData = (bytes: Uint8Array): JSONType => {
  try {
    return JSON.parse(text(bytes));
  } catch {
    return text(bytes);
  }
};

/** convertGrpcRecord's parseMetadata: none is undefined, malformed JSON comes back as the raw bytes. */
const parseMetadata = (bytes: Uint8Array): MetadataType | undefined => {
  if (bytes.length === 0) return undefined;
  try {
    return JSON.parse(text(bytes));
  } catch {
    return bytes;
  }
};

/**
 * A record as the client hands it over: @eventstore/db-client 6.2.1, dist/utils/convertGrpcEvent.js
 * (convertGrpcRecord), over what the server sends (Streams.Read.cs, ConvertToRecordedEvent: positions since 22.6,
 * `created` in ticks since the Unix epoch, which the client turns into a Date to the millisecond).
 */
export const toClientRecord = (event: StoredEvent): AllStreamRecordedEvent => {
  const common = {
    streamId: event.stream,
    id: event.id,
    revision: event.revision,
    type: event.type,
    created: new Date(event.created.getTime()),
    metadata: parseMetadata(event.metadata),
    position: { commit: event.position, prepare: event.position },
  };
  return event.contentType === 'application/json'
    ? { ...common, isJson: true, data: parseData(event.data) }
    : { ...common, isJson: false, data: event.data };
};

/** From a `$all` read or subscription: the server sets the commit position of the original event (ConvertToReadEvent). */
export const toAllResolvedEvent = (event: StoredEvent): AllStreamResolvedEvent => ({ event: toClientRecord(event), commitPosition: event.position });

/** From a stream read: no commit position (ConvertToReadEvent sends NoPosition), the record's own position only. */
export const toStreamResolvedEvent = (event: StoredEvent): ResolvedEvent => ({ event: toClientRecord(event) });
