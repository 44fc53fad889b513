import type {
  AllStreamResolvedEvent,
  AllStreamSubscription,
  AppendExpectedRevision,
  AppendResult,
  EventData,
  ReadAllOptions,
  ReadStreamOptions,
  ResolvedEvent,
  StreamingRead,
  SubscribeToAllOptions,
} from '@eventstore/db-client';

/**
 * What the adapter asks of `EventStoreDBClient`, and no more: the official client satisfies it as it is,
 * and a double of the client (test/support/esdb-double) can stand in for it where no server runs.
 */
export interface EsdbClient {
  appendToStream(streamName: string, events: EventData[], options: { expectedRevision: AppendExpectedRevision }): Promise<AppendResult>;
  readStream(streamName: string, options: ReadStreamOptions): StreamingRead<ResolvedEvent>;
  readAll(options: ReadAllOptions): StreamingRead<AllStreamResolvedEvent>;
  subscribeToAll(options: SubscribeToAllOptions): AllStreamSubscription;
  dispose(): Promise<void>;
}
