import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/infrastructure/config/config.js';
import { freePort, outputMatches, runServerToExit, type ServerProcess, startServerProcess } from '../support/server-process.js';

/** The lines a process wrote, without blank ones. */
const linesOf = (output: string) => output.split('\n').filter((line) => line.trim() !== '');
/** A stack trace, as Node prints one or as pino serializes one. */
const STACK = /\n\s+at |"stack":/;

describe('process: clear failures at the edges', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ledgerflow-edges-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('a port in use', () => {
    let occupier: Server;
    let port: number;
    beforeEach(async () => {
      port = await freePort();
      occupier = createServer();
      await new Promise<void>((resolve) => occupier.listen(port, resolve));
    });
    afterEach(() => new Promise<void>((resolve) => occupier.close(() => resolve())));

    it('exits 1 with one line naming the port and PORT, no TypeError, no stack', async () => {
      const { code, output } = await runServerToExit({ PORT: String(port), DATA_DIR: join(dir, 'data') });
      assert.equal(code, 1, output);
      const lines = linesOf(output);
      assert.equal(lines.length, 1, output);
      assert.match(lines[0]!, new RegExp(`port ${port} is in use.*PORT`));
      assert.doesNotMatch(output, /TypeError|Cannot destructure/);
      assert.doesNotMatch(output, STACK);
    });
  });

  describe('a DATA_DIR that cannot be used', () => {
    it('under a regular file: names the directory and the file in the way, exits 1', async () => {
      const file = join(dir, 'a-file');
      writeFileSync(file, 'not a directory');
      const dataDir = join(file, 'data');
      const { code, output } = await runServerToExit({ PORT: '0', DATA_DIR: dataDir });
      assert.equal(code, 1, output);
      const lines = linesOf(output);
      assert.equal(lines.length, 1, output);
      assert.ok(lines[0]!.includes(dataDir) && lines[0]!.includes(`${file} is a file, not a directory`), output);
      assert.doesNotMatch(output, /SqliteError|unable to open database file/);
      assert.doesNotMatch(output, STACK);
    });

    it('with a store file that cannot be opened (a directory in its place): names the file and why, exits 1', async () => {
      const dataDir = join(dir, 'data');
      mkdirSync(join(dataDir, 'read-models.sqlite'), { recursive: true });
      const { code, output } = await runServerToExit({ PORT: '0', DATA_DIR: dataDir });
      assert.equal(code, 1, output);
      const lines = linesOf(output);
      assert.equal(lines.length, 1, output);
      assert.ok(lines[0]!.includes(`cannot open the SQLite database ${join(dataDir, 'read-models.sqlite')}: it is a directory`), output);
      assert.doesNotMatch(output, STACK);
    });
  });

  describe('a bad variable', () => {
    it('PORT=abc: exits 1, and the line names PORT and echoes "abc"', async () => {
      const { code, output } = await runServerToExit({ PORT: 'abc', DATA_DIR: join(dir, 'data') });
      assert.equal(code, 1, output);
      const lines = linesOf(output);
      assert.equal(lines.length, 1, output);
      assert.match(lines[0]!, /PORT: \\?"abc\\?" is not a port/);
    });

    it('a bad JWT_PRIVATE_KEY: exits 1 naming the variable, never its value', async () => {
      const secret = 'secret-key-material-7f3a9c';
      const { code, output } = await runServerToExit({
        PORT: '0',
        EVENTSTORE_URL: 'memory:',
        JWT_PRIVATE_KEY: `-----BEGIN PRIVATE KEY-----\\n${secret}\\n-----END PRIVATE KEY-----`,
        JWT_PUBLIC_KEY: `-----BEGIN PUBLIC KEY-----\\n${secret}\\n-----END PUBLIC KEY-----`,
      });
      assert.equal(code, 1, output);
      assert.match(output, /JWT_PRIVATE_KEY/);
      assert.ok(!output.includes(secret), output);
    });

    it('quotes the value of every other variable, hides secrets and the credentials in server URLs', () => {
      const message = (env: Record<string, string>) => {
        try {
          loadConfig(env);
        } catch (error) {
          return (error as Error).message;
        }
        throw new Error(`${JSON.stringify(env)} was accepted`);
      };
      assert.equal(message({ LOG_LEVEL: 'loud' }), 'invalid configuration: LOG_LEVEL: "loud" is not one of fatal, error, warn, info, debug, trace, silent');
      assert.equal(message({ SAGA_ATTEMPTS: '0' }), 'invalid configuration: SAGA_ATTEMPTS: "0" is not an integer from 1 to 100');
      assert.equal(message({ ADMIN_EMAIL: 'nobody' }), 'invalid configuration: ADMIN_EMAIL: "nobody" is not an email address');
      assert.equal(message({ ADMIN_EMAIL: 'a@example.com', ADMIN_PASSWORD: 'hunter2' }), 'invalid configuration: ADMIN_PASSWORD: must be 8 to 128 characters long');
      const url = message({ MONGODB_URL: 'http://ledger:hunter2@db.example:27017/ledgerflow' });
      assert.equal(url, 'invalid configuration: MONGODB_URL: "http://db.example:27017/ledgerflow" must start with mongodb:// or mongodb+srv://');
      assert.ok(!message({ JWT_PRIVATE_KEY: 'only-half-of-a-pair' }).includes('only-half-of-a-pair'));
    });
  });

  describe('X-Min-Position beyond the read model', () => {
    let server: ServerProcess | undefined;
    afterEach(async () => {
      server?.child.kill('SIGTERM');
      await server?.exited;
    });

    it('answers 503 with Retry-After, and logs it as an answer: no error-level line, no stack', async () => {
      server = await startServerProcess({ DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'info' });
      const path = '/api/v1/products/00000000-0000-4000-8000-000000000000';
      const answer = await fetch(`${server.url}${path}`, { headers: { 'X-Min-Position': '999999999' } });
      assert.equal(answer.status, 503);
      assert.equal(answer.headers.get('retry-after'), '1');
      const output = await outputMatches(server.output, (text) => text.includes(path));
      const lines = linesOf(output).map((line) => JSON.parse(line) as { level: number; msg: string; req?: { url?: string } });
      const request = lines.find((line) => line.req?.url === path);
      assert.ok(request, output);
      assert.equal(request.level, 30, 'the request line is an info line like any other');
      assert.deepEqual(
        lines.filter((line) => line.level >= 50),
        [],
      );
      assert.doesNotMatch(output, STACK);
    });
  });
});
