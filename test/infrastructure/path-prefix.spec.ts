import assert from 'node:assert/strict';
import { atOrUnderAny } from '../../src/infrastructure/http/path-prefix.js';

describe('atOrUnderAny: whether a path is at or under one of some prefixes, as the router matches paths', () => {
  const isPublic = atOrUnderAny(['/health', '/.well-known/', '/openapi.json']);

  it('takes a prefix itself and the paths below it, in any case', () => {
    for (const path of ['/health', '/health/', '/health/ready', '/HEALTH/Live', '/.well-known', '/.well-known/jwks.json', '/openapi.json'])
      assert.equal(isPublic(path), true, path);
  });

  it('refuses a path that only starts with the same letters, or where a dot is any character', () => {
    for (const path of ['/healthy', '/healthz/x', '/', '/api/v1/health', '/openapiXjson', '/-well-known/x']) assert.equal(isPublic(path), false, path);
  });

  it('takes nothing when there are no prefixes, and everything under the root', () => {
    assert.equal(atOrUnderAny([])('/health'), false);
    assert.equal(atOrUnderAny(['/'])('/anything/at/all'), true);
  });
});
