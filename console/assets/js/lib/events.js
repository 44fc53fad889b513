import { ApiError, api, withQuery } from './api.js';
import { byPosition } from './format.js';

// Reading the event store through the admin API: a stream (GET /api/v1/streams/:stream) and pages of $all
// (GET /api/v1/events), both `{ items: [{ eventId, type, stream, revision, position, recordedAt, data, metadata }], nextCursor }`.

export const streamPath = (stream) => `/api/v1/streams/${encodeURIComponent(stream)}`;

/** One page of a stream (from a revision, or going on from a `cursor`); null when the stream has no events (404). */
export const streamPage = async (stream, { direction = 'forwards', fromRevision, cursor, limit = 50 } = {}) => {
  try {
    const query = cursor === undefined ? { direction, fromRevision, limit } : { cursor, limit };
    return (await api(withQuery(streamPath(stream), query))).body;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
};

/** Every event of a stream in revision order, up to `maxPages` pages of 100; [] for a stream with no events. */
export const wholeStream = async (stream, maxPages = 50) => {
  const items = [];
  let cursor;
  for (let page = 0; page < maxPages; page++) {
    const body = await streamPage(stream, { direction: 'forwards', cursor, limit: 100 });
    if (body === null) return items;
    items.push(...body.items);
    if (!body.nextCursor) return items;
    cursor = body.nextCursor;
  }
  return items;
};

/** One page of $all from `fromPosition` (inclusive) or going on from a `cursor`, filtered. */
export const eventsPage = async ({ fromPosition, cursor, type, streamPrefix, correlationId, limit = 100 } = {}) =>
  (await api(withQuery('/api/v1/events', { ...(cursor === undefined ? { fromPosition } : { cursor }), type, streamPrefix, correlationId, limit }))).body;

/** Every event of $all that matches, in position order, up to `maxPages` pages. */
export const allEvents = async (filter, maxPages = 20) => {
  const items = [];
  let cursor;
  for (let page = 0; page < maxPages; page++) {
    const body = await eventsPage({ ...filter, cursor, limit: 100 });
    items.push(...body.items);
    if (!body.nextCursor) return items;
    cursor = body.nextCursor;
  }
  return items;
};

/** The event at `position`, or null. */
export const eventAt = async (position) => {
  const body = await eventsPage({ fromPosition: position, limit: 1 });
  const event = body.items[0];
  return event && event.position === String(position) ? event : null;
};

/**
 * Every event recorded under one correlation id (one request and everything that followed from it), by position;
 * from `fromPosition` when the first of them is known (the server scans $all for a correlation id).
 */
export const correlated = async (correlationId, fromPosition) => (await allEvents({ correlationId, fromPosition }, 50)).sort(byPosition);

/** The resource kinds that time travel knows: their stream prefix and their API path. */
export const KINDS = {
  order: { label: 'Order', stream: 'order-', path: '/api/v1/orders/' },
  product: { label: 'Product', stream: 'product-', path: '/api/v1/products/' },
  market: { label: 'Market', stream: 'market-', path: '/api/v1/markets/' },
  user: { label: 'User', stream: 'user-', path: '/api/v1/users/' },
};

/** `{ kind, id }` of a resource stream (`order-<id>`), or null for any other stream. */
export const resourceOfStream = (stream) => {
  for (const [kind, { stream: prefix }] of Object.entries(KINDS)) if (stream.startsWith(prefix)) return { kind, id: stream.slice(prefix.length) };
  return null;
};
