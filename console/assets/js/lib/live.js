import { session } from './session.js';
import { followEvents } from './sse.js';

/**
 * One live feed of $all for the whole console, from the moment it starts: the views listen to it and reload what an
 * event touched (a saga, a stream, a projection's position). It follows the server-sent events of GET /api/v1/events.
 */
class LiveFeed {
  listeners = new Set();
  statusListeners = new Set();
  status = 'off';
  follower = undefined;

  start() {
    if (this.follower !== undefined) return;
    // Without a start the server follows from the head: only what happens from now on (the views load the past).
    this.follower = followEvents('/api/v1/events', {
      token: () => session.token(),
      onEvent: (event) => {
        for (const listener of this.listeners) listener(event);
      },
      onStatus: (status) => this.setStatus(status),
      onUnauthorized: () => session.end('The server refused your token (expired or revoked): sign in again.'),
    });
  }

  stop() {
    this.follower?.stop();
    this.follower = undefined;
    this.setStatus('off');
  }

  setStatus(status) {
    this.status = status;
    for (const listener of this.statusListeners) listener(status);
  }

  /** Calls `listener(event)` for every event from now on; answers the unsubscribe. */
  subscribe(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onStatus(listener) {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }
}

export const live = new LiveFeed();

/**
 * Runs `load(position)` again after events that `touches`, at most every `everyMs` (a burst of events is one reload);
 * `position` is the last of them, for `X-Min-Position`: a read model answers once it has seen that event. Answers
 * the stop.
 */
export const reloadOnEvents = (touches, load, everyMs = 300) => {
  let timer;
  let latest;
  const unsubscribe = live.subscribe((event) => {
    if (!touches(event)) return;
    latest = event.position;
    if (timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      load(latest);
    }, everyMs);
  });
  return () => {
    clearTimeout(timer);
    unsubscribe();
  };
};

/** The header that makes a read model answer only once it has processed `position` (none when undefined). */
export const seen = (position) => (position === undefined ? {} : { headers: { 'X-Min-Position': String(position) } });
