import type { Request } from 'express';
import { eventItemOf } from '../../../application/event-browser/event-item.js';
import { readStreamPage, type StreamPageQuery } from '../../../application/event-browser/event-pages.js';
import type { EventStore } from '../../../application/ports/event-store.js';
import { fromStreamCursor, streamCursor } from '../event-cursors.js';
import { requireRole } from '../middleware/auth.js';
import { badRequest, notFoundProblem } from '../problem.js';
import { type RouteTable, routeTable } from '../route-table.js';
import { StreamParams, StreamQuery } from '../schemas/event-browser.js';
import { parseWith, query } from '../validate.js';

/** Where the page starts: the cursor of the page before, or `fromRevision` and `direction`. */
const pageOf = (req: Request): StreamPageQuery => {
  const { cursor, fromRevision, direction, limit } = query(req, StreamQuery);
  if (cursor === undefined) return { direction: direction ?? 'forwards', fromRevision: fromRevision === undefined ? undefined : BigInt(fromRevision), limit };
  const next = fromStreamCursor(cursor);
  if (fromRevision !== undefined) throw badRequest('a cursor goes on where its page ended: send it without fromRevision', [{ path: 'fromRevision', message: 'not with cursor' }]);
  if (direction !== undefined && direction !== next.direction)
    throw badRequest(`this cursor pages ${next.direction}`, [{ path: 'direction', message: `the cursor pages ${next.direction}` }]);
  return { ...next, limit };
};

/** One stream's events, a page at a time, forwards or backwards (admin). */
export const streamsRoutes = (events: EventStore): RouteTable => {
  const router = routeTable();
  router.use(requireRole('admin'));

  router.get('/:stream', async (req, res) => {
    const page = pageOf(req);
    const { stream } = parseWith(StreamParams, req.params);
    const found = await readStreamPage(events, stream, page);
    if (!found) throw notFoundProblem(`no events in stream ${stream}`);
    res.json({ items: found.events.map(eventItemOf), nextCursor: found.next === null ? null : streamCursor(page.direction, found.next) });
  });

  return router;
};
