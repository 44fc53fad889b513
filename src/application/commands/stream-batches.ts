/**
 * Items for one stream that arrive during one turn of the event loop, handed over together when the turn ends: under
 * concurrent requests to a hot aggregate, one batch is decided and appended at once instead of each item racing the
 * others for the same revision.
 */
export class StreamBatches<Item> {
  private waiting = new Map<string, Item[]>();

  constructor(private readonly process: (stream: string, items: Item[]) => void) {}

  add(stream: string, item: Item): void {
    const batch = this.waiting.get(stream);
    if (batch) return void batch.push(item);
    this.waiting.set(stream, [item]);
    if (this.waiting.size === 1) setImmediate(() => this.flush());
  }

  private flush(): void {
    const waiting = this.waiting;
    this.waiting = new Map();
    for (const [stream, items] of waiting) this.process(stream, items);
  }
}
