/**
 * System.Threading.Channels' bounded channel as the server's enumerators use it (Enumerator.cs, v24.10.0):
 * 'wait' (the output to the client, BoundedChannelFullMode.Wait: the writer waits for room) or 'drop-oldest'
 * (the live events, BoundedChannelFullMode.DropOldest: a write always succeeds and the oldest item is lost).
 */
export class BoundedChannel<T> {
  private readonly items: T[] = [];
  private completion: { error?: unknown } | undefined;
  private readonly readers: (() => void)[] = [];
  private readonly writers: (() => void)[] = [];

  constructor(
    private readonly capacity: number,
    private readonly mode: 'wait' | 'drop-oldest',
  ) {}

  /** TryWrite: false once completed; in 'wait' mode also false when full. */
  tryWrite(item: T): boolean {
    if (this.completion) return false;
    if (this.items.length >= this.capacity) {
      if (this.mode === 'wait') return false;
      this.items.shift();
    }
    this.items.push(item);
    this.wake(this.readers);
    return true;
  }

  /** WriteAsync: waits for room ('wait' mode); rejects once completed. */
  async write(item: T): Promise<void> {
    for (;;) {
      if (this.completion) throw new ChannelClosedError();
      if (this.tryWrite(item)) return;
      await new Promise<void>((resolve) => this.writers.push(resolve));
    }
  }

  /** The next item; undefined once completed and drained; throws the completion error, if any, once drained. */
  async read(): Promise<T | undefined> {
    for (;;) {
      if (this.items.length > 0) {
        const item = this.items.shift()!;
        this.wake(this.writers);
        return item;
      }
      if (this.completion) {
        if ('error' in this.completion) throw this.completion.error;
        return undefined;
      }
      await new Promise<void>((resolve) => this.readers.push(resolve));
    }
  }

  /** TryComplete, with or without an error. */
  complete(error?: unknown): void {
    if (this.completion) return;
    this.completion = error === undefined ? {} : { error };
    this.wake(this.readers);
    this.wake(this.writers);
  }

  private wake(waiting: (() => void)[]): void {
    for (const resolve of waiting.splice(0)) resolve();
  }
}

export class ChannelClosedError extends Error {
  override readonly name = 'ChannelClosedError';
}
