import type { Request } from 'express';
import { eventItemOf } from '../../../application/event-browser/event-item.js';
import { type AllQuery, readAllPage } from '../../../application/event-browser/event-pages.js';
import { openLiveTail, type TailStart } from '../../../application/event-browser/live-tail.js';
import { type EventStore, InvalidPositionError } from '../../../application/ports/event-store.js';
import { allCursor, fromAllCursor } from '../event-cursors.js';
import { requireRole } from '../middleware/auth.js';
import { badRequest } from '../problem.js';
import { type RouteTable, routeTable } from '../route-table.js';
import { EventsQuery, Position } from '../schemas/event-browser.js';
import type { ServerSentEvents } from '../server-sent-events.js';
import { query } from '../validate.js';

export interface EventsRoutesDeps {
  events: EventStore;
  live: ServerSentEvents;
}

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

/** `$all`, filtered, a page at a time or followed live as server-sent events (admin). */
export const eventsRoutes = ({ events, live }: EventsRoutesDeps): RouteTable => {
  const router = routeTable();
  router.use(requireRole('admin'));

  router.get('/', async (req, res) => {
    const { cursor, fromPosition, type, streamPrefix, correlationId, limit } = query(req, EventsQuery);
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
    res.json({ items: page.events.map(eventItemOf), nextCursor: page.next === null ? null : allCursor(page.next) });
  });

  return router;
};
