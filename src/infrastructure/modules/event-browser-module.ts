import type { Container } from 'inversify';
import { TOKENS } from '../container/tokens.js';
import { eventsEndpoints, streamsEndpoints } from '../http/endpoints/event-browser-endpoints.js';
import { ServerSentEvents } from '../http/server-sent-events.js';
import { moduleRoutes, type PlatformModule } from './platform-module.js';

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
    moduleRoutes('/api/v1/streams', streamsEndpoints, (container) => ({ events: container.get(TOKENS.EventStore), live: liveOf(container) })),
    moduleRoutes('/api/v1/events', eventsEndpoints, (container) => ({ events: container.get(TOKENS.EventStore), live: liveOf(container) })),
  ],
  stopServing(container) {
    liveStreams.get(container)?.closeAll();
  },
};
