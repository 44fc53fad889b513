/** One server-sent event as a client reads it. */
export interface SseMessage {
  id: string | undefined;
  data: string;
}

export interface SseConnection {
  status: number;
  headers: Headers;
  /** The whole answer, when it is not a stream (a problem document). */
  text(): Promise<string>;
  /** The next message (comments skipped), failing after `ms`. */
  next(ms?: number): Promise<SseMessage>;
  /** Comment lines (`: heartbeat`) seen so far. */
  readonly comments: string[];
  /** Resolves once the server has ended the stream. */
  readonly ended: Promise<void>;
  close(): void;
}

/**
 * A server-sent events client over fetch, as a browser's EventSource reads the stream: messages separated by a blank
 * line, `id:` and `data:` fields, `:` comments. Answers that are not a stream (an error) are read whole by the caller.
 */
export const openSse = async (url: string, headers: Record<string, string>): Promise<SseConnection> => {
  const abort = new AbortController();
  const response = await fetch(url, { headers: { Accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const messages: SseMessage[] = [];
  const comments: string[] = [];
  let waiting: (() => void) | undefined;
  let buffer = '';
  const parse = () => {
    for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let id: string | undefined;
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) comments.push(line.slice(1).trim());
        else if (line.startsWith('id:')) id = line.slice(3).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length > 0) messages.push({ id, data: data.join('\n') });
    }
    waiting?.();
  };
  const ended = (async () => {
    if (!response.body || !(response.headers.get('Content-Type') ?? '').startsWith('text/event-stream')) return;
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        parse();
      }
    } catch {
      // aborted by close()
    }
    waiting?.();
  })();
  let done = false;
  void ended.then(() => (done = true));
  return {
    status: response.status,
    headers: response.headers,
    text: () => response.text(),
    comments,
    ended,
    async next(ms = 5_000) {
      const deadline = Date.now() + ms;
      while (messages.length === 0) {
        if (done) throw new Error('the stream ended');
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no message within ${ms} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiting = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      return messages.shift()!;
    },
    close: () => abort.abort(),
  };
};
