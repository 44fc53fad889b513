import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterWrite, type Answer, httpClient, isProblem } from './api-client.js';
import { type Customer, startTestPlatform, type TestPlatform } from '../support/http-platform.js';

const inAnHour = () => new Date(Date.now() + 60 * 60 * 1000).toISOString();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('markets API', () => {
  let platform: TestPlatform;
  let call: ReturnType<typeof httpClient>;
  let admin: string;
  let ada: Customer;
  let bob: Customer;

  const create = (token: string | undefined, body: object) => call('POST', '/api/v1/markets', { token, body });
  const created = async (outcomes = ['yes', 'no'], closesAt = inAnHour()): Promise<Answer> => {
    const answer = await create(admin, { question: 'Will it rain tomorrow?', outcomes, closesAt });
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    return answer;
  };
  const stake = (customer: Customer | undefined, marketId: string, body: object, headers: Record<string, string> = {}) =>
    call('POST', `/api/v1/markets/${marketId}/positions`, { token: customer?.token, body, headers });
  const staked = async (customer: Customer, marketId: string, outcome: string, amount: number): Promise<Answer> => {
    const answer = await stake(customer, marketId, { outcome, stake: amount });
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    return answer;
  };
  const close = (token: string | undefined, marketId: string, headers: Record<string, string> = {}) =>
    call('POST', `/api/v1/markets/${marketId}/close`, { token, headers });
  const resolve = (token: string | undefined, marketId: string, winningOutcome: string, headers: Record<string, string> = {}) =>
    call('POST', `/api/v1/markets/${marketId}/resolve`, { token, body: { winningOutcome }, headers });
  const mine = (customer: Customer, marketId: string, seen: Answer) =>
    call('GET', `/api/v1/markets/${marketId}/positions/me`, { token: customer.token, headers: afterWrite(seen) });

  before(async () => {
    platform = await startTestPlatform();
    call = httpClient(platform.url);
    admin = await platform.adminToken();
    ada = await platform.registerCustomer('Ada');
    bob = await platform.registerCustomer('Bob');
  });
  after(() => platform.stop());

  describe('POST /api/v1/markets', () => {
    it('creates an open market (201, Location, X-Position, ETag)', async () => {
      const closesAt = inAnHour();
      const answer = await created(['yes', 'no', 'maybe'], closesAt);
      assert.equal(answer.headers.get('Location'), `/api/v1/markets/${answer.body.id}`);
      assert.match(answer.headers.get('X-Position') ?? '', /^\d+$/);
      assert.equal(answer.headers.get('ETag'), '"0"');
      assert.deepEqual(answer.body, {
        id: answer.body.id,
        question: 'Will it rain tomorrow?',
        status: 'open',
        closesAt,
        outcomes: ['yes', 'no', 'maybe'].map((name) => ({ name, pool: 0, probability: 1 / 3 })),
        totalPool: 0,
        positions: 0,
        winningOutcome: null,
        version: 0,
      });
    });

    it('keeps closesAt as a UTC instant', async () => {
      const local = new Date(Date.now() + 60 * 60 * 1000);
      local.setUTCMilliseconds(0);
      const withOffset = `${new Date(local.getTime() + 2 * 60 * 60 * 1000).toISOString().slice(0, 19)}+02:00`;
      const answer = await created(['yes', 'no'], withOffset);
      assert.equal(answer.body.closesAt, local.toISOString());
    });

    it('refuses a closesAt that is past year 9999 or before year 0000 in UTC (400): an RFC 3339 answer cannot carry it', async () => {
      for (const closesAt of ['9999-12-31T23:59:59-14:00', '9999-12-31T10:00:00-14:00', '0000-01-01T00:00:00+00:01']) {
        const answer = await create(admin, { question: 'Q?', outcomes: ['a', 'b'], closesAt });
        isProblem(answer, 400);
        assert.deepEqual(answer.body.errors.map((error: { path: string }) => error.path), ['closesAt'], closesAt);
      }
    });

    it('takes the last instant year 9999 has, with or without an offset, and answers it as RFC 3339', async () => {
      for (const closesAt of ['9999-12-31T23:59:59.999Z', '9999-12-31T09:59:59.999-14:00']) {
        const answer = await create(admin, { question: 'Q?', outcomes: ['a', 'b'], closesAt });
        assert.equal(answer.status, 201, JSON.stringify(answer.body));
        assert.equal(answer.body.closesAt, '9999-12-31T23:59:59.999Z');
      }
    });

    it('is for admins only (401, 403)', async () => {
      const body = { question: 'Q?', outcomes: ['a', 'b'], closesAt: inAnHour() };
      isProblem(await create(undefined, body), 401);
      isProblem(await create(ada.token, body), 403);
    });

    const invalid: [string, object][] = [
      ['a single outcome', { outcomes: ['yes'] }],
      ['eleven outcomes', { outcomes: Array.from({ length: 11 }, (_, i) => `o${i}`) }],
      ['outcomes that repeat', { outcomes: ['yes', 'no', 'yes'] }],
      ['an empty outcome', { outcomes: ['yes', ''] }],
      ['an outcome with a control character', { outcomes: ['yes', 'no\u0000'] }],
      ['an outcome with a bidirectional override', { outcomes: ['\u202eyes', 'no'] }],
      ['an empty question', { question: '' }],
      ['a closesAt that is no ISO 8601 instant', { closesAt: 'tomorrow' }],
      ['a closesAt without a time zone', { closesAt: '2099-01-01T10:00:00' }],
      ['an unknown field', { category: 'weather' }],
    ];
    for (const [what, change] of invalid)
      it(`refuses ${what} (400)`, async () =>
        isProblem(await create(admin, { question: 'Will it rain?', outcomes: ['yes', 'no'], closesAt: inAnHour(), ...change }), 400));

    it('points at the outcome that repeats', async () => {
      const answer = await create(admin, { question: 'Q?', outcomes: ['yes', 'no', 'yes'], closesAt: inAnHour() });
      assert.deepEqual(answer.body.errors.map((error: { path: string }) => error.path), ['outcomes.2']);
    });

    it('refuses a closesAt in the past (422)', async () =>
      isProblem(await create(admin, { question: 'Q?', outcomes: ['a', 'b'], closesAt: '2020-01-01T00:00:00Z' }), 422, 'closes_at_not_in_future'));
  });

  describe('GET /api/v1/markets and /api/v1/markets/:id', () => {
    let open: Answer;
    let closed: Answer;
    let resolved: Answer;
    before(async () => {
      open = await created();
      const second = await created();
      closed = await close(admin, second.body.id);
      const third = await created();
      resolved = await resolve(admin, third.body.id, 'no');
      assert.equal(closed.status, 200);
      assert.equal(resolved.status, 200);
    });
    const list = (search: string) => call('GET', `/api/v1/markets${search}`, { headers: afterWrite(resolved) });
    const ids = (answer: Answer) => answer.body.items.map((item: { id: string }) => item.id);

    it('shows anyone a market, with its ETag', async () => {
      const answer = await call('GET', `/api/v1/markets/${open.body.id}`, { headers: afterWrite(open) });
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.body, open.body);
      assert.equal(answer.headers.get('ETag'), '"0"');
    });

    it('lists markets for anyone, filtered by status', async () => {
      const all = await list('?limit=100');
      assert.equal(all.status, 200);
      for (const market of [open, closed, resolved]) assert.ok(ids(all).includes(market.body.id));
      const byStatus = { open, closed, resolved };
      for (const [status, market] of Object.entries(byStatus)) {
        const answer = await list(`?status=${status}&limit=100`);
        assert.ok(ids(answer).includes(market.body.id), status);
        assert.ok(answer.body.items.every((item: { status: string }) => item.status === status), status);
      }
    });

    it('pages with limit and cursor', async () => {
      const first = await list('?limit=1');
      assert.equal(first.body.items.length, 1);
      assert.equal(typeof first.body.nextCursor, 'string');
      const second = await list(`?limit=1&cursor=${encodeURIComponent(first.body.nextCursor)}`);
      assert.equal(second.body.items.length, 1);
      assert.notEqual(second.body.items[0].id, first.body.items[0].id);
    });

    for (const search of ['?status=pending', '?limit=0', '?limit=101', '?sort=pool'])
      it(`refuses ${search} (400)`, async () => isProblem(await list(search), 400));

    it('answers 404 for an unknown market', async () => isProblem(await call('GET', `/api/v1/markets/${randomUUID()}`), 404));
    it('answers 404 for an id that is no market id', async () => isProblem(await call('GET', '/api/v1/markets/nope'), 404));
  });

  describe('POST /api/v1/markets/:id/positions', () => {
    let market: Answer;
    before(async () => {
      market = await created(['yes', 'no', 'maybe']);
    });

    it('takes a position (201 {id, outcome, stake}) and moves the pools', async () => {
      const first = await staked(ada, market.body.id, 'yes', 100);
      assert.deepEqual(Object.keys(first.body).sort(), ['id', 'outcome', 'stake']);
      assert.equal(first.body.outcome, 'yes');
      assert.equal(first.body.stake, 100);
      assert.match(first.headers.get('X-Position') ?? '', /^\d+$/);
      const second = await staked(bob, market.body.id, 'no', 300);
      assert.notEqual(second.body.id, first.body.id);
      const shown = await call('GET', `/api/v1/markets/${market.body.id}`, { headers: afterWrite(second) });
      assert.deepEqual(shown.body.outcomes, [
        { name: 'yes', pool: 100, probability: 0.25 },
        { name: 'no', pool: 300, probability: 0.75 },
        { name: 'maybe', pool: 0, probability: 0 },
      ]);
      assert.equal(shown.body.totalPool, 400);
      assert.equal(shown.body.positions, 2);
      assert.equal(shown.headers.get('ETag'), '"2"');
    });

    it('asks for a signed-in user (401)', async () => isProblem(await stake(undefined, market.body.id, { outcome: 'yes', stake: 1 }), 401));

    const invalid: [string, object][] = [
      ['a stake of 0', { outcome: 'yes', stake: 0 }],
      ['a stake over 10000', { outcome: 'yes', stake: 10_001 }],
      ['a fractional stake', { outcome: 'yes', stake: 1.5 }],
      ['a stake given as text', { outcome: 'yes', stake: '10' }],
      ['no outcome', { stake: 10 }],
      ['an unknown field', { outcome: 'yes', stake: 10, odds: 2 }],
    ];
    for (const [what, body] of invalid) it(`refuses ${what} (400)`, async () => isProblem(await stake(ada, market.body.id, body), 400));

    it('accepts the largest stake', async () => staked(ada, market.body.id, 'maybe', 10_000));
    it('refuses an unknown outcome (422)', async () => isProblem(await stake(ada, market.body.id, { outcome: 'perhaps', stake: 10 }), 422, 'unknown_outcome'));
    it('answers 404 for an unknown market', async () => isProblem(await stake(ada, randomUUID(), { outcome: 'yes', stake: 10 }), 404));

    it('refuses a position on a closed market (422)', async () => {
      const other = await created();
      assert.equal((await close(admin, other.body.id)).status, 200);
      isProblem(await stake(ada, other.body.id, { outcome: 'yes', stake: 10 }), 422, 'market_not_open');
    });

    it('refuses a position on a resolved market (422)', async () => {
      const other = await created();
      assert.equal((await resolve(admin, other.body.id, 'yes')).status, 200);
      isProblem(await stake(ada, other.body.id, { outcome: 'yes', stake: 10 }), 422, 'market_not_open');
    });

    it('refuses a position past closesAt, even before the market is closed (422)', async () => {
      const closesAt = new Date(Date.now() + 1500).toISOString();
      const soon = await created(['yes', 'no'], closesAt);
      const inTime = await staked(ada, soon.body.id, 'yes', 10);
      await sleep(Date.parse(closesAt) - Date.now() + 50);
      isProblem(await stake(ada, soon.body.id, { outcome: 'yes', stake: 10 }), 422, 'market_not_open');
      const shown = await call('GET', `/api/v1/markets/${soon.body.id}`, { headers: afterWrite(inTime) });
      assert.equal(shown.body.status, 'open');
    });

    it('honours If-Match (412 appends nothing)', async () => {
      const other = await created();
      isProblem(await stake(ada, other.body.id, { outcome: 'yes', stake: 10 }, { 'If-Match': '"5"' }), 412);
      const current = await stake(ada, other.body.id, { outcome: 'yes', stake: 10 }, { 'If-Match': '"0"' });
      assert.equal(current.status, 201);
      const shown = await call('GET', `/api/v1/markets/${other.body.id}`, { headers: afterWrite(current) });
      assert.equal(shown.body.positions, 1);
    });
  });

  describe('GET /api/v1/markets/:id/positions/me', () => {
    it('lists only the caller’s positions, payout null until resolved', async () => {
      const market = await created();
      await staked(ada, market.body.id, 'yes', 100);
      await staked(bob, market.body.id, 'no', 50);
      const last = await staked(ada, market.body.id, 'no', 30);
      const answer = await mine(ada, market.body.id, last);
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.body, {
        items: [
          { outcome: 'yes', stake: 100, payout: null },
          { outcome: 'no', stake: 30, payout: null },
        ],
      });
      const carol = await platform.registerCustomer('Carol');
      assert.deepEqual((await mine(carol, market.body.id, last)).body, { items: [] });
    });

    it('asks for a signed-in user (401)', async () => {
      const market = await created();
      isProblem(await call('GET', `/api/v1/markets/${market.body.id}/positions/me`), 401);
    });

    it('answers 404 for an unknown market', async () => isProblem(await call('GET', `/api/v1/markets/${randomUUID()}/positions/me`, { token: ada.token }), 404));
  });

  describe('POST /api/v1/markets/:id/close', () => {
    it('closes an open market (200 with the market), then refuses to close it again (409)', async () => {
      const market = await created();
      const answer = await close(admin, market.body.id);
      assert.equal(answer.status, 200);
      assert.equal(answer.body.status, 'closed');
      assert.equal(answer.body.version, 1);
      assert.equal(answer.headers.get('ETag'), '"1"');
      assert.match(answer.headers.get('X-Position') ?? '', /^\d+$/);
      const shown = await call('GET', `/api/v1/markets/${market.body.id}`, { headers: afterWrite(answer) });
      assert.equal(shown.body.status, 'closed');
      isProblem(await close(admin, market.body.id), 409, 'market_not_open');
    });

    it('is for admins only (401, 403)', async () => {
      const market = await created();
      isProblem(await close(undefined, market.body.id), 401);
      isProblem(await close(ada.token, market.body.id), 403);
    });

    it('honours If-Match (412)', async () => {
      const market = await created();
      isProblem(await close(admin, market.body.id, { 'If-Match': '"3"' }), 412);
      assert.equal((await close(admin, market.body.id, { 'If-Match': '"0"' })).status, 200);
    });

    it('answers 404 for an unknown market', async () => isProblem(await close(admin, randomUUID()), 404));
  });

  describe('POST /api/v1/markets/:id/resolve', () => {
    it('resolves with parimutuel payouts: floor(stake * totalPool / winningPool), losers 0', async () => {
      const market = await created(['yes', 'no', 'maybe']);
      await staked(ada, market.body.id, 'yes', 100);
      await staked(bob, market.body.id, 'yes', 200);
      await staked(bob, market.body.id, 'no', 400);
      await staked(ada, market.body.id, 'maybe', 1);
      assert.equal((await close(admin, market.body.id)).status, 200);
      const answer = await resolve(admin, market.body.id, 'yes');
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(answer.body.status, 'resolved');
      assert.equal(answer.body.winningOutcome, 'yes');
      assert.equal(answer.body.totalPool, 701);
      assert.equal(answer.headers.get('ETag'), `"${answer.body.version}"`);
      assert.deepEqual((await mine(ada, market.body.id, answer)).body.items, [
        { outcome: 'yes', stake: 100, payout: Math.floor((100 * 701) / 300) },
        { outcome: 'maybe', stake: 1, payout: 0 },
      ]);
      assert.deepEqual((await mine(bob, market.body.id, answer)).body.items, [
        { outcome: 'yes', stake: 200, payout: Math.floor((200 * 701) / 300) },
        { outcome: 'no', stake: 400, payout: 0 },
      ]);
      // The settlement saga records each payout on the market after this answer: only `version` may have moved on.
      const shown = await call('GET', `/api/v1/markets/${market.body.id}`, { headers: afterWrite(answer) });
      const { version: shownVersion, ...shownMarket } = shown.body;
      const { version: answeredVersion, ...answeredMarket } = answer.body;
      assert.deepEqual(shownMarket, answeredMarket);
      assert.ok(shownVersion >= answeredVersion && shownVersion <= answeredVersion + 4, `version ${shownVersion}`);
    });

    it('returns every stake when nobody backed the winner', async () => {
      const market = await created();
      await staked(ada, market.body.id, 'no', 70);
      const answer = await resolve(admin, market.body.id, 'yes');
      assert.equal(answer.status, 200);
      assert.deepEqual((await mine(ada, market.body.id, answer)).body.items, [{ outcome: 'no', stake: 70, payout: 70 }]);
    });

    it('resolves an open market straight away', async () => {
      const market = await created();
      const answer = await resolve(admin, market.body.id, 'no');
      assert.equal(answer.status, 200);
      assert.equal(answer.body.status, 'resolved');
    });

    it('refuses to resolve twice (409)', async () => {
      const market = await created();
      assert.equal((await resolve(admin, market.body.id, 'no')).status, 200);
      isProblem(await resolve(admin, market.body.id, 'yes'), 409, 'market_already_resolved');
    });

    it('refuses an unknown winning outcome (422)', async () => {
      const market = await created();
      isProblem(await resolve(admin, market.body.id, 'perhaps'), 422, 'unknown_outcome');
    });

    it('refuses a body without a winning outcome or with unknown fields (400)', async () => {
      const market = await created();
      isProblem(await call('POST', `/api/v1/markets/${market.body.id}/resolve`, { token: admin, body: {} }), 400);
      isProblem(await call('POST', `/api/v1/markets/${market.body.id}/resolve`, { token: admin, body: { winningOutcome: 'yes', note: 'x' } }), 400);
    });

    it('is for admins only (401, 403)', async () => {
      const market = await created();
      isProblem(await resolve(undefined, market.body.id, 'yes'), 401);
      isProblem(await resolve(ada.token, market.body.id, 'yes'), 403);
    });

    it('honours If-Match (412)', async () => {
      const market = await created();
      isProblem(await resolve(admin, market.body.id, 'yes', { 'If-Match': '"9"' }), 412);
      const shown = await call('GET', `/api/v1/markets/${market.body.id}`, { headers: afterWrite(market) });
      assert.equal(shown.body.status, 'open');
    });

    it('answers 404 for an unknown market', async () => isProblem(await resolve(admin, randomUUID(), 'yes'), 404));
  });
});
