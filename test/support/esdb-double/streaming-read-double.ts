import { Readable } from 'node:stream';
import type { StreamingRead } from '@eventstore/db-client';

/**
 * A read as the client returns it (dist/streams/utils/ReadStream.js): an object-mode Readable of resolved events
 * that is pulled page by page as the consumer reads, ends when the server completes the call, and is destroyed
 * with the error the call failed with. `cancel()` ends the call (grpc-js cancel) without ending the stream.
 */
export class StreamingReadDouble<E> extends Readable implements StreamingRead<E> {
  private cancelled = false;
  private pulling = false;

  constructor(private readonly source: Iterator<E>) {
    super({ objectMode: true });
  }

  override _read(): void {
    if (this.pulling) return;
    this.pulling = true;
    // The server answers over the network: never within the caller's own turn.
    setImmediate(() => {
      this.pulling = false;
      if (this.cancelled || this.destroyed) return;
      try {
        const next = this.source.next();
        if (next.done) this.push(null);
        else this.push(next.value);
      } catch (error) {
        this.destroy(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  /** ReadStream.cancel: on the next turn, the gRPC call is cancelled; the client ignores the CANCELLED error it gets. */
  async cancel(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.cancelled = true;
  }
}
