/** The part of an ioredis client (or BullMQ's wrapper of one) the watch listens to. */
export interface WatchedConnection {
  status: string;
  on(event: 'ready' | 'close', listener: () => void): unknown;
}

/**
 * Calls `onRestored` once every watched connection that was lost is ready again: once per outage, however many
 * connections it dropped. The first connect is not a reconnect, nor is a connection that never got ready.
 */
export class ReconnectWatch {
  private readonly lost = new Set<WatchedConnection>();
  private stopped = false;

  constructor(private readonly onRestored: () => void) {}

  watch(connection: WatchedConnection): void {
    let wasReady = connection.status === 'ready';
    connection.on('close', () => {
      if (wasReady && !this.stopped) this.lost.add(connection);
    });
    connection.on('ready', () => {
      wasReady = true;
      if (this.lost.delete(connection) && this.lost.size === 0 && !this.stopped) this.onRestored();
    });
  }

  /** Connections closed on purpose from now on are not outages. */
  stop(): void {
    this.stopped = true;
    this.lost.clear();
  }
}
