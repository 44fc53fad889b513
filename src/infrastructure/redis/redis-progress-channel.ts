import type { Redis } from 'ioredis';
import type { ProgressChannel } from '../../projections/projection-lease.js';

const MESSAGE = /^([A-Za-z_][A-Za-z0-9_]*) (\d{1,20})$/;

/**
 * KEYS latest; ARGV position, channel, message: keeps the highest position (decimal strings compared exactly, past
 * 2^53 too) and publishes it; an older one is dropped.
 */
const PUBLISH = `
local current = redis.call('GET', KEYS[1])
if current and (#current > #ARGV[1] or (#current == #ARGV[1] and current >= ARGV[1])) then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
return redis.call('PUBLISH', ARGV[2], ARGV[3])`;

/**
 * Projection progress over Redis: `<projection> <position>` published on one channel per read store, and the latest
 * kept in a key per projection (`<namespace>{<projection>}:progress`). Publishing goes through the process's
 * connection, coalesced per projection (under load only the latest position waits for the one in flight);
 * listening takes a connection of its own, made on the first `subscribe` (a subscribed connection can do nothing
 * else). Pub/sub delivers at most once: a listener must not rely on every message (see FollowedProgress).
 */
export class RedisProgressChannel implements ProgressChannel {
  private readonly unsent = new Map<string, bigint>();
  private sending = false;
  private subscriber: Redis | undefined;
  private closed = false;
  private readonly channel: string;

  /** `namespace`: the read store's (see projectionNamespace). */
  constructor(
    private readonly redis: Redis,
    private readonly namespace: string,
  ) {
    this.channel = `${namespace}progress`;
  }

  async latest(projection: string): Promise<bigint> {
    return BigInt((await this.redis.get(this.latestKey(projection))) ?? 0);
  }

  publish(projection: string, position: bigint): void {
    if (this.closed) return;
    const unsent = this.unsent.get(projection);
    if (unsent === undefined || unsent < position) this.unsent.set(projection, position);
    if (!this.sending) void this.send();
  }

  async subscribe(listener: (projection: string, position: bigint) => void, onGap: () => void): Promise<void> {
    if (this.subscriber) throw new Error('already subscribed');
    const subscriber = this.redis.duplicate({ connectionName: `${this.namespace}listener` });
    this.subscriber = subscriber;
    subscriber.on('error', () => undefined);
    subscriber.on('message', (_channel: string, message: string) => {
      const match = MESSAGE.exec(message);
      if (match) listener(match[1]!, BigInt(match[2]!));
    });
    let ready = false;
    subscriber.on('ready', () => {
      // ioredis subscribes again by itself after a reconnection; what was published meanwhile is lost.
      if (ready) onGap();
      ready = true;
    });
    try {
      await subscriber.subscribe(this.channel);
    } catch (error) {
      // Redis is away: a later call tries again.
      subscriber.disconnect();
      this.subscriber = undefined;
      throw error;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.subscriber?.disconnect();
    this.subscriber = undefined;
  }

  private latestKey(projection: string): string {
    return `${this.namespace}{${projection}}:progress`;
  }

  private async send(): Promise<void> {
    this.sending = true;
    try {
      while (this.unsent.size > 0 && !this.closed) {
        const pipeline = this.redis.pipeline();
        for (const [projection, position] of this.unsent)
          pipeline.eval(PUBLISH, 1, this.latestKey(projection), position.toString(), this.channel, `${projection} ${position}`);
        this.unsent.clear();
        await pipeline.exec();
      }
    } catch {
      // Lost: listeners fall back on reading the checkpoints now and then.
    } finally {
      this.sending = false;
    }
  }
}
