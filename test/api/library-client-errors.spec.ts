import { isProblem } from './api-client.js';
import { startTestPlatform, type TestPlatform } from '../support/http-platform.js';

// Found by the fuzzer: the console's static files are served by `send`, whose refusals carry a 4xx that was answered 500.
describe('a 4xx raised by a library the HTTP edge runs is answered as that 4xx', () => {
  let platform: TestPlatform;
  before(async () => (platform = await startTestPlatform()));
  after(() => platform.stop());

  const get = async (path: string, headers: Record<string, string>) => {
    const response = await fetch(`${platform.url}${path}`, { headers });
    return { status: response.status, headers: response.headers, body: (await response.json()) as any };
  };

  it('GET /console with an If-Match it cannot meet: 412', async () => isProblem(await get('/console', { 'if-match': '*' }), 412));
  it('GET /console unmodified since long ago: 412', async () => isProblem(await get('/console', { 'if-unmodified-since': 'Mon, 01 Jan 1990 00:00:00 GMT' }), 412));
  it('GET /console with a range past its end: 416', async () => isProblem(await get('/console', { range: 'bytes=999999999-' }), 416));
});
