import assert from 'node:assert/strict';
import { startTestPlatform, type TestPlatform } from '../support/http-platform.js';
import { isProblem } from './api-client.js';

const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

describe('JSON bodies nested too deep', () => {
  let platform: TestPlatform;
  before(async () => (platform = await startTestPlatform()));
  after(() => platform.stop());

  const post = async (body: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${platform.url}/api/v1/users`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    return { status: response.status, headers: response.headers, body: (await response.json()) as any };
  };

  for (const depth of [33, 10_000, 200_000])
    it(`are refused with 400, with or without an Idempotency-Key (${depth} levels)`, async () => {
      isProblem(await post(nested(depth)), 400);
      isProblem(await post(nested(depth), { 'idempotency-key': `deep-${depth}` }), 400);
    });

  it('are refused however the levels mix objects and arrays', async () => {
    isProblem(await post(`{"name":${'{"a":['.repeat(20)}1${']}'.repeat(20)}}`, { 'idempotency-key': 'deep-mixed' }), 400);
  });

  it('up to 32 levels reach the schema check as before', async () => {
    const answer = await post(`{"email":"a@example.com","password":"password-1","name":"A","extra":${nested(31)}}`);
    isProblem(answer, 400);
    assert.equal(answer.body.detail, 'the request does not match its schema');
  });
});
