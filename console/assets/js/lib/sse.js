// Server-sent events over fetch: EventSource cannot send an Authorization header, and the access token must not
// travel in a URL (logs, history). The wire format is the WHATWG one: `id:`, `event:`, `data:`, `retry:`, `:comment`.

/** Splits a text stream into events; feed it chunks, it calls `onEvent({ id, event, data })` for each complete one. */
export const sseParser = (onEvent, onRetry = () => {}) => {
  let buffer = '';
  let data = [];
  let event = '';
  let id;
  const line = (text) => {
    if (text === '') {
      if (data.length > 0) onEvent({ id, event: event || 'message', data: data.join('\n') });
      data = [];
      event = '';
      return;
    }
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    const value = colon === -1 ? '' : text.slice(colon + 1).replace(/^ /, '');
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    else if (field === 'id' && !value.includes('\0')) id = value;
    else if (field === 'retry' && /^\d+$/.test(value)) onRetry(Number(value));
  };
  return (chunk) => {
    buffer += chunk;
    for (;;) {
      const end = buffer.search(/\r\n|\r|\n/);
      if (end === -1) return;
      // A lone \r at the end of a chunk may be the first half of \r\n: wait for the next chunk.
      if (buffer[end] === '\r' && end === buffer.length - 1) return;
      const newline = buffer.startsWith('\r\n', end) ? 2 : 1;
      line(buffer.slice(0, end));
      buffer = buffer.slice(end + newline);
    }
  };
};

const sleep = (ms, signal) =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

/**
 * Follows `url` (an SSE route of the API) until `stop()`: each event's `data` parsed as JSON goes to `onEvent`; a
 * dropped connection is opened again after a pause, resuming after the last event seen (`Last-Event-ID`).
 * `onStatus` hears 'connecting', 'live', 'reconnecting' (with the error) and 'stopped'.
 */
export const followEvents = (url, { token, lastEventId, onEvent, onStatus = () => {}, onUnauthorized = () => {} }) => {
  const stopping = new AbortController();
  let retryMs = 1000;
  let last = lastEventId;
  const run = async () => {
    onStatus('connecting');
    while (!stopping.signal.aborted) {
      try {
        const response = await fetch(url, {
          cache: 'no-store',
          signal: stopping.signal,
          headers: { Accept: 'text/event-stream', Authorization: `Bearer ${token()}`, ...(last === undefined ? {} : { 'Last-Event-ID': last }) },
        });
        if (response.status === 401) return onUnauthorized();
        if (!response.ok || !response.body) throw new Error(`the server answered ${response.status}`);
        onStatus('live');
        const parse = sseParser(
          (message) => {
            if (message.id !== undefined) last = message.id;
            if (message.event !== 'message') return;
            onEvent(JSON.parse(message.data));
          },
          (ms) => (retryMs = ms),
        );
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          parse(value);
        }
        throw new Error('the server closed the stream');
      } catch (error) {
        if (stopping.signal.aborted) break;
        onStatus('reconnecting', error);
        await sleep(retryMs, stopping.signal);
      }
    }
    onStatus('stopped');
  };
  void run();
  return { stop: () => stopping.abort() };
};
