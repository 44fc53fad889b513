/**
 * What makes a request the same request again: its `Idempotency-Key`, scoped to the caller and the URL and hashed,
 * and the fingerprint of its body. A command that carries it derives the ids of what it creates and appends from the
 * key, and records both in its events' metadata, so that a repeat finds what the first attempt did in the event store.
 */
export interface RequestIdentity {
  key: string;
  fingerprint: string;
  /** Told when the command turns out to have been applied already: its answer is then a replay of the first. */
  onReplay?: () => void;
}

/** Who asked, and in answer to what: recorded in the metadata of every event a command appends. */
export interface CommandContext {
  correlationId: string;
  /** The request or event that caused the command; defaults to the correlation id. */
  causationId?: string;
  userId?: string;
  traceparent?: string;
  idempotency?: RequestIdentity;
}
