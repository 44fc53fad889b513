import type { Container } from 'inversify';
import { TOKENS } from '../container/tokens.js';
import { eventsRoutes } from '../http/routes/events.js';
import { streamsRoutes } from '../http/routes/streams.js';
import { ServerSentEvents } from '../http/server-sent-events.js';
import type { PlatformModule } from './platform-module.js';

const liveStreams = new WeakMap<Container, ServerSentEvents>();

const liveOf = (container: Container): ServerSentEvents => {
  let live = liveStreams.get(container);
  if (!live) {
    live = new ServerSentEvents(container.get(TOKENS.Logger));
    liveStreams.set(container, live);
  }
  return live;
};

/** The event browser (admin): a stream's events, `$all` filtered, and `$all` followed live. */
export const eventBrowserModule: PlatformModule = {
  name: 'event-browser',
  serves: 'projector',
  routes: [
    { path: '/api/v1/streams', router: (container) => streamsRoutes(container.get(TOKENS.EventStore)) },
    { path: '/api/v1/events', router: (container) => eventsRoutes({ events: container.get(TOKENS.EventStore), live: liveOf(container) }) },
  ],
  stopServing(container) {
    liveStreams.get(container)?.closeAll();
  },
};
