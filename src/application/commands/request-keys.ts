import { nameBasedIds, newId } from '../ids.js';
import type { RecordedEvent } from '../ports/event-store.js';
import type { CommandContext, RequestIdentity } from './command-context.js';

const requestId = nameBasedIds('fa39419a-f72b-409a-950f-38381a9da128');

/** A request whose command appended to a stream: its body's fingerprint, and the revision and position of its last event. */
export interface RecordedRequest {
  fingerprint: string;
  revision: bigint;
  position: bigint;
}

/**
 * The requests recorded in one stream, by key, as their events' metadata tell. Each entry is a fact about the stream,
 * true whatever revision a state was folded to, so the map is only ever added to, and is complete up to the revision
 * of the state it goes with: a key missing from it was not recorded up to there.
 */
export type RequestKeys = Map<string, RecordedRequest>;

export const noteRequest = (keys: RequestKeys, event: RecordedEvent): void => {
  const { idempotencyKey, requestFingerprint } = event.metadata;
  if (idempotencyKey !== undefined) keys.set(idempotencyKey, { fingerprint: requestFingerprint ?? '', revision: event.revision, position: event.position });
};

/**
 * The id of what a command creates (an order, a market, a position): derived from the request's key when it has one,
 * so that a repeat of the request names the same resource, else a new one. `kind` tells apart what one request creates.
 */
export const resourceId = (context: CommandContext, kind: string): string =>
  context.idempotency ? requestId(`${kind}/${context.idempotency.key}`) : newId();

/** The id of the `index`-th event a request's command appends: a repeat that gets as far as the store is recognised by it. */
export const requestEventId = (identity: RequestIdentity, index: number): string => requestId(`event/${identity.key}/${index}`);

/** The metadata that records the request in each event its command appends. */
export const requestMetadata = (identity: RequestIdentity | undefined): { idempotencyKey?: string; requestFingerprint?: string } =>
  identity ? { idempotencyKey: identity.key, requestFingerprint: identity.fingerprint } : {};

/** Commands sorted by what a stream's keys say of their requests. */
export interface SortedRequests<Item> {
  /** New requests, and commands without a request: to be decided. */
  fresh: Item[];
  /** Requests the stream records: to be answered as their first attempt was. */
  repeats: { item: Item; earlier: RecordedRequest }[];
  /** Keys the stream records with another body. */
  reused: Item[];
  /** A second command under a key another one among `fresh` has: to be handled once that one has settled. */
  deferred: Item[];
}

export const sortRequests = <Item extends { context: CommandContext }>(keys: RequestKeys, items: readonly Item[]): SortedRequests<Item> => {
  const sorted: SortedRequests<Item> = { fresh: [], repeats: [], reused: [], deferred: [] };
  const freshKeys = new Set<string>();
  for (const item of items) {
    const identity = item.context.idempotency;
    const earlier = identity && keys.get(identity.key);
    if (!identity) sorted.fresh.push(item);
    else if (earlier) {
      if (earlier.fingerprint === identity.fingerprint) sorted.repeats.push({ item, earlier });
      else sorted.reused.push(item);
    } else if (freshKeys.has(identity.key)) sorted.deferred.push(item);
    else {
      freshKeys.add(identity.key);
      sorted.fresh.push(item);
    }
  }
  return sorted;
};

/** The stream recorded this request's key with another body: the key was reused for another request. */
export class IdempotencyKeyReusedError extends Error {
  override readonly name = 'IdempotencyKeyReusedError';
  constructor() {
    super('this Idempotency-Key was used with another request body');
  }
}
