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
 * Runs `load` again after events that `touches`, at most every `everyMs` (a burst of events is one reload).
 * Answers the stop.
 */
export const reloadOnEvents = (touches, load, everyMs = 300) => {
  let timer;
  const unsubscribe = live.subscribe((event) => {
    if (timer !== undefined || !touches(event)) return;
    timer = setTimeout(() => {
      timer = undefined;
      load();
    }, everyMs);
  });
  return () => {
    clearTimeout(timer);
    unsubscribe();
  };
};
