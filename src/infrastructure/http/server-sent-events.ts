import { once } from 'node:events';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';

export interface MessageSource<Item> extends AsyncIterable<Item> {
  close(): Promise<void>;
}

export interface Message {
  id: string;
  data: unknown;
}

/**
 * Server-sent event streams (text/event-stream), each fed by a source until the client goes away, the source ends,
 * or `closeAll()` ends every one (on shutdown, so that the server's close does not wait for them).
 */
export class ServerSentEvents {
  private readonly open = new Set<() => void>();

  constructor(
    private readonly logger: Logger,
    private readonly heartbeatMs = 15_000,
  ) {}

  /** Answers `req` with the source's items as messages; resolves once the stream has ended, however it ended. */
  async stream<Item>(req: Request, res: Response, source: MessageSource<Item>, messageOf: (item: Item) => Message): Promise<void> {
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    // Nothing in between should hold messages back, and the connection is not reused after the stream.
    res.setHeader('X-Accel-Buffering', 'no');
    res.setHeader('Connection', 'close');
    res.flushHeaders();

    let ended = false;
    let wake: () => void = () => undefined;
    const endedSignal = new Promise<void>((resolve) => (wake = resolve));
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), this.heartbeatMs);
    const end = () => {
      if (ended) return;
      ended = true;
      clearInterval(heartbeat);
      this.open.delete(end);
      wake();
      source.close().catch((error: unknown) => this.logger.warn({ err: error }, 'closing an event stream source failed'));
      if (!res.writableEnded) res.end();
    };
    this.open.add(end);
    res.on('close', end);

    try {
      for await (const item of source) {
        if (ended) break;
        const { id, data } = messageOf(item);
        if (!res.write(`id: ${id}\ndata: ${JSON.stringify(data)}\n\n`)) await Promise.race([once(res, 'drain'), endedSignal]);
      }
    } catch (error) {
      if (!ended) this.logger.warn({ err: error, correlationId: req.correlationId }, 'event stream ended by an error');
    } finally {
      end();
    }
  }

  /** Ends every open stream. */
  closeAll(): void {
    for (const end of [...this.open]) end();
  }
}
