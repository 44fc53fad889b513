import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { startTestPlatform, type TestPlatform } from '../support/http-platform.js';

/** Writes `request` as raw bytes and reads until the server closes: what a client gets back, status line and all. */
const exchange = (url: string, request: Buffer): Promise<string> =>
  new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url);
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.end(request);
  });

const answerTo = async (url: string, request: Buffer) => {
  const raw = await exchange(url, request);
  const [head = '', body = ''] = raw.split('\r\n\r\n');
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
  return { status: Number(statusLine.split(' ')[1]), headers, body };
};

describe('requests Node’s HTTP parser refuses are answered as problem documents', () => {
  let platform: TestPlatform;
  before(async () => (platform = await startTestPlatform()));
  after(() => platform.stop());

  const cases: [string, Buffer, number][] = [
    ['headers over 16 KiB: 431', Buffer.from(`GET /api/v1/products HTTP/1.1\r\nHost: x\r\nX-Padding: ${'h'.repeat(20_000)}\r\n\r\n`), 431],
    ['a byte that is not ASCII in the request target: 400', Buffer.concat([Buffer.from('GET /api/v1/products'), Buffer.from([0xff]), Buffer.from(' HTTP/1.1\r\nHost: x\r\n\r\n')]), 400],
    ['a method HTTP does not know: 400', Buffer.from('FROB /api/v1/products HTTP/1.1\r\nHost: x\r\n\r\n'), 400],
    ['a header name that is not a token: 400', Buffer.from('GET /api/v1/products HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n'), 400],
  ];
  for (const [title, request, status] of cases)
    it(title, async () => {
      const answer = await answerTo(platform.url, request);
      assert.equal(answer.status, status);
      assert.match(answer.headers['content-type'] ?? '', /^application\/problem\+json/);
      assert.ok(answer.headers['x-correlation-id'], 'carries a correlation id');
      assert.equal(answer.headers['x-content-type-options'], 'nosniff');
      const problem = JSON.parse(answer.body) as { status: number; title: string };
      assert.equal(problem.status, status);
      assert.equal(typeof problem.title, 'string');
    });

  it('answers HEAD with the headers alone', async () => {
    const raw = await exchange(platform.url, Buffer.concat([Buffer.from('HEAD /health/live'), Buffer.from([0xff]), Buffer.from(' HTTP/1.1\r\nHost: x\r\n\r\n')]));
    assert.match(raw, /^HTTP\/1\.1 400 [^]*application\/problem\+json/);
    assert.ok(raw.endsWith('\r\n\r\n'), JSON.stringify(raw));
  });

  it('answers HEAD with the headers alone when the read that refused it began in an earlier request’s body', async () => {
    // An earlier request answered before its body was read: what is left of that body and the HEAD arrive in one read.
    const body = 'b'.repeat(200_000);
    const raw = await exchange(
      platform.url,
      Buffer.concat([
        Buffer.from(`POST /health/live HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`),
        Buffer.from('HEAD /api/v1/sagas/'),
        Buffer.from([0xe2]),
        Buffer.from('/retry HTTP/1.1\r\nHost: x\r\n\r\n'),
      ]),
    );
    const refusal = raw.slice(raw.lastIndexOf('HTTP/1.1 400 '));
    assert.match(refusal, /^HTTP\/1\.1 400 [^]*application\/problem\+json/, JSON.stringify(raw.slice(0, 600)));
    assert.ok(refusal.endsWith('\r\n\r\n'), JSON.stringify(refusal));
  });

  it('on a connection kept alive after an earlier answer, too', async () => {
    const { hostname, port } = new URL(platform.url);
    const socket = connect(Number(port), hostname);
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    const closed = new Promise((resolve) => socket.on('close', resolve));
    socket.write('GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n');
    while (!received.includes('\r\n\r\n')) await new Promise((resolve) => setTimeout(resolve, 10));
    socket.end(Buffer.concat([Buffer.from('GET /api/v1/products'), Buffer.from([0xff]), Buffer.from(' HTTP/1.1\r\nHost: x\r\n\r\n')]));
    await closed;
    const statuses = [...received.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((match) => match[1]);
    assert.deepEqual(statuses, ['200', '400'], JSON.stringify(received));
    assert.match(received.slice(received.indexOf('HTTP/1.1 400 ')), /application\/problem\+json/);
  });

  it('still serves the next connection', async () => {
    assert.equal((await fetch(`${platform.url}/health/live`)).status, 200);
  });
});
