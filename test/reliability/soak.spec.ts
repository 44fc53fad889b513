import assert from 'node:assert/strict';
import { RestartableRedis } from '../../bench/soak/processes.js';
import { summaryLine } from '../../bench/soak/report.js';
import { runSoak, type SoakOptions } from '../../bench/soak/run-soak.js';
import { pendingByDesign } from '../support/pending-by-design.js';

/**
 * The soak of `npm run soak`, short: the same load, faults and checks (bench/soak/run-soak.ts) for a few dozen
 * seconds per profile. Figures go to the test output; the long runs write bench/results/soak-*.md.
 */
const short: Omit<SoakOptions, 'profile' | 'redisRestarts'> = {
  seconds: Number(process.env.SOAK_SECONDS ?? 30),
  kills: 3,
  customers: 6,
  seed: 12,
  // Longer than a restart and the backlog after it, so that no order that can be paid waits it out.
  paymentTimeoutMs: 20_000,
  log: () => undefined,
};

const expectNoViolation = (result: Awaited<ReturnType<typeof runSoak>>) => {
  console.log(`      ${summaryLine(result)}`);
  assert.deepEqual(result.violations, []);
  assert.ok(result.kills >= 3, `${result.kills} kills`);
  assert.ok(Object.keys(result.orders.outcomes).length === 4, `orders with every token: ${JSON.stringify(result.orders.outcomes)}`);
};

describe('soak, short: customers and an admin at work while the server is SIGKILLed and Redis restarted', function () {
  this.timeout(900_000);

  it('embedded: nothing acknowledged lost or doubled, every order, stock level, charge and payout right, read models equal a rebuild', async () =>
    expectNoViolation(await runSoak({ ...short, profile: 'embedded', redisRestarts: 0 })));

  const redisTitle = 'with Redis and FerretDB (restarted Redis, once empty): nothing acknowledged lost or doubled, every check as embedded';
  const mongoUrl = process.env.MONGODB_URL;
  if (!process.env.REDIS_URL || !mongoUrl || !RestartableRedis.available())
    pendingByDesign('soak, short, with Redis and FerretDB', {
      needs: process.env.REDIS_URL ? 'MONGODB_URL' : 'REDIS_URL',
      reason: 'needs redis-server (the soak restarts one of its own) and a MongoDB: CI sets REDIS_URL and MONGODB_URL',
    })!.add(redisTitle);
  else
    it(redisTitle, async () => {
      const result = await runSoak({ ...short, profile: 'redis', redisRestarts: 1, mongoUrl });
      expectNoViolation(result);
      assert.ok(result.redisRestarts.includes('emptied'), `Redis restarted empty: ${result.redisRestarts.join(', ')}`);
    });
});
