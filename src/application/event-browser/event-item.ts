import type { EventMetadata, RecordedEvent } from '../ports/event-store.js';

/** An event as the event browser shows it. Positions are decimal strings (they outgrow JSON numbers on EventStoreDB). */
export interface EventItem {
  eventId: string;
  type: string;
  stream: string;
  revision: number;
  position: string;
  recordedAt: string;
  data: unknown;
  metadata: EventMetadata;
}

/**
 * Secrets some payloads carry (a password hash, a card token), and the fingerprint of the request body in the
 * metadata (the body held them: guesses could be checked against it): shown as this, never as they are.
 */
export const REDACTED = '[redacted]';
const SECRET_FIELDS = new Set(['passwordHash', 'paymentToken', 'token', 'requestFingerprint']);

const redacted = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(redacted);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, SECRET_FIELDS.has(key) ? REDACTED : redacted(field)]));
};

/** The stored payload as it was recorded (not upcast), secrets left out. */
export const eventItemOf = (event: RecordedEvent): EventItem => ({
  eventId: event.id,
  type: event.type,
  stream: event.streamId,
  revision: Number(event.revision),
  position: String(event.position),
  recordedAt: event.recordedAt.toISOString(),
  data: redacted(event.data),
  metadata: redacted(event.metadata) as EventMetadata,
});
