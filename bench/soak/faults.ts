/** When the soak strikes: SIGKILLs of the server and Redis restarts, at seeded random moments spread over the window. */
import type { SeededRandom } from '../../test/support/seeded-random.js';
import type { RedisRestart, RestartableRedis, RestartableServer } from './processes.js';

export type Fault = { at: number; kind: 'kill' } | { at: number; kind: 'redis'; restart: RedisRestart };

/**
 * `kills` kills and `redisRestarts` Redis restarts, each at a random moment of its own slot of the window (ms from
 * the start), in a random order. The first Redis restart comes back empty, then they alternate.
 */
export const planFaults = (windowMs: number, kills: number, redisRestarts: number, random: SeededRandom): Fault[] => {
  const kinds: ('kill' | 'redis')[] = [...Array<'kill'>(kills).fill('kill'), ...Array<'redis'>(redisRestarts).fill('redis')];
  for (let index = kinds.length - 1; index > 0; index--) {
    const other = random.int(0, index);
    [kinds[index], kinds[other]] = [kinds[other]!, kinds[index]!];
  }
  const slot = windowMs / Math.max(1, kinds.length);
  let restarts = 0;
  return kinds.map((kind, index) => {
    const at = Math.round(slot * (index + 0.15 + 0.7 * random.next()));
    return kind === 'kill' ? { at, kind } : { at, kind, restart: restarts++ % 2 === 0 ? 'emptied' : 'kept' };
  });
};

export interface FaultLog {
  /** What happened when, in seconds from the start of the load. */
  lines: string[];
}

/**
 * Strikes each fault at its moment (or as soon as the one before has recovered), one at a time: the server is started
 * again at once after its kill and waited for until ready; Redis stays down for a second or two.
 */
export const runFaults = async (
  faults: readonly Fault[],
  started: number,
  /** What the log's times are counted from. */
  clock: number,
  server: RestartableServer,
  redis: RestartableRedis | undefined,
  random: SeededRandom,
  log: (line: string) => void,
): Promise<void> => {
  for (const fault of faults) {
    const wait = started + fault.at - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const at = ((Date.now() - clock) / 1000).toFixed(1);
    if (fault.kind === 'kill') {
      await server.kill();
      const killedAt = Date.now();
      await server.start();
      log(`${at} s: server SIGKILLed (#${server.kills}), serving again ${((Date.now() - killedAt) / 1000).toFixed(1)} s later`);
    } else {
      const down = random.int(1000, 2500);
      await redis!.restart(fault.restart, down);
      log(`${at} s: Redis restarted ${fault.restart === 'kept' ? 'with its data' : 'empty'} after ${(down / 1000).toFixed(1)} s down`);
    }
  }
};
