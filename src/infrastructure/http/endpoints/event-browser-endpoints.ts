import type { Request } from 'express';
import { eventItemOf } from '../../../application/event-browser/event-item.js';
import { type AllQuery, readAllPage, readStreamPage, type StreamPageQuery } from '../../../application/event-browser/event-pages.js';
import { openLiveTail, type TailStart } from '../../../application/event-browser/live-tail.js';
import { type EventStore, InvalidPositionError } from '../../../application/ports/event-store.js';
import { ok } from '../answer.js';
import { endpoint, named, tag } from '../endpoint.js';
import { allCursor, fromAllCursor, fromStreamCursor, streamCursor } from '../event-cursors.js';
import { badRequest, notFoundProblem } from '../problem.js';
import { EventItem, EventPage, EventsQuery, EventStreamText, Position, StreamParams, StreamQuery } from '../schemas/event-browser.js';
import type { ServerSentEvents } from '../server-sent-events.js';

const Events = tag('Events', 'The event store itself (admin): a stream, `$all` filtered, `$all` followed live.');

export interface EventBrowserDeps {
  events: EventStore;
  live: ServerSentEvents;
}

named('Event', EventItem);
named('EventPage', EventPage);

/** Where a stream's page starts: the cursor of the page before, or `fromRevision` and `direction`. */
const streamPageOf = ({ cursor, fromRevision, direction, limit }: { cursor?: string | undefined; fromRevision?: string | undefined; direction?: 'forwards' | 'backwards' | undefined; limit: number }): StreamPageQuery => {
  if (cursor === undefined) return { direction: direction ?? 'forwards', fromRevision: fromRevision === undefined ? undefined : BigInt(fromRevision), limit };
  const next = fromStreamCursor(cursor);
  if (fromRevision !== undefined) throw badRequest('a cursor goes on where its page ended: send it without fromRevision', [{ path: 'fromRevision', message: 'not with cursor' }]);
  if (direction !== undefined && direction !== next.direction)
    throw badRequest(`this cursor pages ${next.direction}`, [{ path: 'direction', message: `the cursor pages ${next.direction}` }]);
  return { ...next, limit };
};

export const readStream = endpoint({
  operationId: 'readStream',
  method: 'get',
  path: '/api/v1/streams/{stream}',
  summary: "A stream's events, a page at a time",
  description:
    'Forwards from `fromRevision` (the start when absent) or backwards (from the end when absent). `nextCursor`, sent back as `cursor`, goes on in the same direction; it is `null` once the page reached the end of the stream.',
  tags: [Events],
  who: 'admin',
  params: StreamParams,
  query: StreamQuery,
  responses: {
    200: { description: 'A page of the stream, in revision order (or its reverse).', schema: EventPage },
    400: { description: '`cursor` comes with `fromRevision`, or with another `direction` than its own.' },
    404: { description: 'The stream has no events.' },
  },
  handle:
    ({ events }: EventBrowserDeps) =>
    async ({ params: { stream }, query }) => {
      const page = streamPageOf(query);
      const found = await readStreamPage(events, stream, page);
      if (!found) throw notFoundProblem(`no events in stream ${stream}`);
      return ok({ items: found.events.map(eventItemOf), nextCursor: found.next === null ? null : streamCursor(page.direction, found.next) });
    },
});

const wantsEventStream = (req: Request): boolean => req.accepts(['application/json', 'text/event-stream']) === 'text/event-stream';

/** `Last-Event-ID`: the position of the last event a reconnecting client received. */
const lastEventId = (req: Request): bigint | undefined => {
  const header = req.get('Last-Event-ID');
  if (header === undefined) return undefined;
  const parsed = Position.safeParse(header.trim());
  if (!parsed.success) throw badRequest('Last-Event-ID must be the position of an event', [{ path: 'Last-Event-ID', message: 'not a position' }]);
  return BigInt(parsed.data);
};

/** A position the store cannot read from (inside a record, on EventStoreDB) is the client's mistake: 400. */
const readingFrom = async <T>(where: string, work: () => Promise<T>): Promise<T> => {
  try {
    return await work();
  } catch (error) {
    if (error instanceof InvalidPositionError) throw badRequest(`${where} is not the position of an event`, [{ path: where, message: 'not the position of an event' }]);
    throw error;
  }
};

export const readEvents = endpoint({
  operationId: 'readEvents',
  method: 'get',
  path: '/api/v1/events',
  summary: '`$all` in position order, filtered, a page at a time or followed live',
  description:
    'A page of `$all` from `fromPosition` (included), filtered by event type, stream prefix and correlation id. The correlation id is matched over at most 10,000 events a page: a page cut short there has fewer items and a `nextCursor` that goes on. With `Accept: text/event-stream` the answer follows `$all` live as server-sent events (`id:` the position, `data:` the item): from `fromPosition` or `cursor` when given, else from the head (only what comes next); a reconnecting client that sends `Last-Event-ID: <position>` gets only the events after it.',
  tags: [Events],
  who: 'admin',
  query: EventsQuery,
  responses: {
    200: {
      description: 'A page of events; or, asked for `text/event-stream`, the events as they come (the answer lasts until the client or the server ends it).',
      schema: EventPage,
      alternatives: { 'text/event-stream': EventStreamText },
    },
    400: { description: '`cursor` comes with `fromPosition`, or `Last-Event-ID` is not a position.' },
  },
  handle:
    ({ events, live }: EventBrowserDeps) =>
    async ({ query: { cursor, fromPosition, type, streamPrefix, correlationId, limit }, req, res }) => {
      if (cursor !== undefined && fromPosition !== undefined)
        throw badRequest('a cursor goes on where its page ended: send it without fromPosition', [{ path: 'fromPosition', message: 'not with cursor' }]);
      const from = cursor === undefined ? (fromPosition === undefined ? undefined : BigInt(fromPosition)) : fromAllCursor(cursor);
      const fromWhere = cursor === undefined ? 'fromPosition' : 'cursor';
      const filters: AllQuery = { types: type?.split(','), streamPrefix, correlationId };
      res.vary('Accept');

      if (wantsEventStream(req)) {
        const after = lastEventId(req);
        const start: TailStart = after !== undefined ? { after } : from !== undefined ? { from } : 'head';
        const tail = await readingFrom(after === undefined ? fromWhere : 'Last-Event-ID', () => openLiveTail(events, filters, start));
        await live.stream(req, res, tail, (event) => ({ id: String(event.position), data: eventItemOf(event) }));
        return;
      }

      const page = await readingFrom(fromWhere, () => readAllPage(events, { ...filters, fromPosition: from, limit }));
      return ok({ items: page.events.map(eventItemOf), nextCursor: page.next === null ? null : allCursor(page.next) });
    },
});

/** The event browser (admin): one stream's events, forwards or backwards, and `$all`, filtered or followed live. */
export const streamsEndpoints = [readStream];
export const eventsEndpoints = [readEvents];
