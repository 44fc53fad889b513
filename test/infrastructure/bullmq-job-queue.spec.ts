import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { BullMqJobQueue, fromBullMqJobId, toBullMqJobId } from '../../src/infrastructure/jobs/bullmq-job-queue.js';
import { pendingByDesign } from '../support/pending-by-design.js';

const waitUntil = async (condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await sleep(10);
  }
};

describe('BullMqJobQueue job ids', () => {
  const ids = ['order:o-1:payment-timeout', '42', '0', '', '%3A', 'a%25:b%', '::', 'é:ü 🧾'];

  it('given any id, then the BullMQ id has no colon, is no integer, and turns back into the same id', () => {
    for (const id of ids) {
      const bullMqId = toBullMqJobId(id);
      assert.ok(!bullMqId.includes(':'), `${bullMqId} has a colon`);
      assert.notEqual(`${parseInt(bullMqId, 10)}`, bullMqId);
      assert.equal(fromBullMqJobId(bullMqId), id);
    }
  });

  it('given distinct ids, then their BullMQ ids are distinct', () => {
    assert.equal(new Set(ids.map(toBullMqJobId)).size, ids.length);
  });
});

describe('BullMqJobQueue without Redis', () => {
  it('given nothing listening at the URL, then enqueue() fails instead of waiting, and close() lets a waiting worker go', async () => {
    const queue = new BullMqJobQueue({
      url: 'redis://127.0.0.1:1',
      queueName: `unreachable-${randomUUID()}`,
      firstConnectTimeoutMs: 300,
      closeTimeoutMs: 300,
      onError: () => {},
    });
    queue.work(async () => {});
    await assert.rejects(queue.enqueue('lost', {}, { jobId: 'lost' }), /Redis at 127.0.0.1:1 is not reachable/);
    await queue.close();
  });
});

const redisUrl = process.env.REDIS_URL;
const suite = 'BullMqJobQueue on Redis';
const pending = pendingByDesign(suite, redisUrl ? undefined : { needs: 'REDIS_URL', reason: 'no Redis: set REDIS_URL to run against redis-server' });
describe(suite, () => {
  const title = 'given its connections dropped by Redis, when they come back, then onReconnect fires once and jobs run again';
  if (!redisUrl) {
    pending?.add(title);
    return;
  }

  // The connections are dropped with CLIENT KILL USER, so a Redis shared with other specs keeps theirs.
  const user = `ledgerflow-jobs-${randomUUID()}`;
  const password = randomUUID();
  const queueName = `reconnect-${randomUUID()}`;
  const prefix = `ledgerflow-test-${process.pid}`;
  let admin: Redis | undefined;

  before(async () => {
    const client = new Redis(redisUrl, { lazyConnect: true, connectTimeout: 2_000, maxRetriesPerRequest: 1 });
    client.on('error', () => {}); // a failed connect rejects connect() below
    try {
      await client.connect();
    } catch (error) {
      client.disconnect();
      throw new Error(`REDIS_URL is set but Redis at ${redisUrl} does not answer`, { cause: error });
    }
    admin = client;
    await admin.call('ACL', 'SETUSER', user, 'on', `>${password}`, '~*', '&*', '+@all');
  });

  after(async () => {
    if (!admin) return;
    const connection = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    const queue = new Queue(queueName, { connection, prefix });
    await queue.obliterate({ force: true });
    await queue.close();
    await connection.quit();
    await admin.call('ACL', 'DELUSER', user);
    await admin.quit();
  });

  it(title, async () => {
    const url = new URL(redisUrl);
    url.username = user;
    url.password = password;
    const queue = new BullMqJobQueue({ url: url.toString(), queueName, prefix, onError: () => {} });
    try {
      let reconnects = 0;
      queue.onReconnect(() => (reconnects += 1));
      const ran: string[] = [];
      queue.work(async (job) => void ran.push(job.id));
      await queue.enqueue('before', {}, { jobId: 'before-the-drop' });
      await waitUntil(() => ran.includes('before-the-drop'), 'the first job ran');
      assert.equal(reconnects, 0, 'the first connect is no reconnect');

      const killed = Number(await admin!.call('CLIENT', 'KILL', 'USER', user));
      assert.ok(killed >= 3, `dropped ${killed} connections: the producer's and the worker's two`);
      await waitUntil(() => reconnects === 1, 'onReconnect fired');

      await queue.enqueue('after', {}, { jobId: 'after-the-drop' });
      await waitUntil(() => ran.includes('after-the-drop'), 'a job enqueued after the reconnect ran');
      await sleep(1_500); // a late second connection must not make it fire again for the same outage
      assert.equal(reconnects, 1);
    } finally {
      await queue.close();
    }
  });
});
