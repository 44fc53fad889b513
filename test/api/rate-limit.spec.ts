import assert from 'node:assert/strict';
import { startTestPlatform, type TestPlatform } from '../support/http-platform.js';

describe('API: RATE_LIMIT_PER_MIN', () => {
  let platform: TestPlatform;
  beforeEach(async () => {
    platform = await startTestPlatform({ RATE_LIMIT_PER_MIN: '3' });
  });
  afterEach(() => platform.stop());

  const statusesOf = async (count: number, init: RequestInit = {}, path = '/api/v1/products') => {
    const statuses: number[] = [];
    for (let index = 0; index < count; index++) statuses.push((await fetch(`${platform.url}${path}`, init)).status);
    return statuses;
  };

  it('answers 429 with Retry-After once a client address has spent its requests for the minute', async () => {
    assert.deepEqual(await statusesOf(3), [200, 200, 200]);
    const refused = await fetch(`${platform.url}/api/v1/products`);
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    const retryAfter = Number(refused.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
  });

  it('counts a signed-in user apart from the address, and never limits sign-in with this budget', async () => {
    const customer = await platform.registerCustomer(); // one request of the address's budget; sign-in is not counted
    const asCustomer = { headers: { authorization: `Bearer ${customer.token}` } };
    assert.deepEqual(await statusesOf(3, asCustomer, '/api/v1/users/me'), [200, 200, 200]);
    assert.deepEqual(await statusesOf(1, asCustomer, '/api/v1/users/me'), [429]);
    assert.deepEqual(await statusesOf(3), [200, 200, 429], 'the address had 2 requests left');
  });
});
