import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JwtAccessTokens } from '../../src/infrastructure/auth/jwt-access-tokens.js';
import { keySourceOf } from '../../src/infrastructure/auth/signing-keys.js';
import { loadConfig } from '../../src/infrastructure/config/config.js';
import { runScriptToExit } from '../support/server-process.js';

// `npm run --silent jwt-keys > .env`: the key pair every service of docker-compose.yml signs and verifies with.

/** Reads `NAME='value'` lines as compose reads .env: a single-quoted value is taken as it is. */
const dotEnv = (text: string): Record<string, string> =>
  Object.fromEntries(text.trim().split('\n').map((line) => /^([A-Z_]+)='([^']*)'$/.exec(line)!.slice(1) as [string, string]));

const generated = async (): Promise<string> => {
  const { code, output } = await runScriptToExit('scripts/jwt-keys.ts', {});
  assert.equal(code, 0, output);
  return output;
};

describe('npm run jwt-keys', function () {
  this.timeout(30_000);

  it('prints JWT_PRIVATE_KEY and JWT_PUBLIC_KEY, one line each, single-quoted as a .env file takes them', async () => {
    const output = await generated();
    const lines = output.trim().split('\n');
    assert.equal(lines.length, 2, output);
    assert.match(lines[0]!, /^JWT_PRIVATE_KEY='-----BEGIN PRIVATE KEY-----\\n[A-Za-z0-9+/=\\n]+\\n-----END PRIVATE KEY-----'$/);
    assert.match(lines[1]!, /^JWT_PUBLIC_KEY='-----BEGIN PUBLIC KEY-----\\n[A-Za-z0-9+/=\\n]+\\n-----END PUBLIC KEY-----'$/);
  });

  it('gives a pair the server accepts (read as compose reads .env, or sourced by a shell), and a new pair each time', async () => {
    const output = await generated();
    const dir = mkdtempSync(join(tmpdir(), 'ledgerflow-jwt-keys-'));
    try {
      writeFileSync(join(dir, '.env'), output);
      const sourced = execFileSync('bash', ['-c', 'set -a; . ./.env; printf "%s\\0%s" "$JWT_PRIVATE_KEY" "$JWT_PUBLIC_KEY"'], { cwd: dir, encoding: 'utf8' }).split('\0');
      const fromCompose = dotEnv(output);
      assert.deepEqual(sourced, [fromCompose.JWT_PRIVATE_KEY, fromCompose.JWT_PUBLIC_KEY], 'a shell reads the same values');

      // Two services given the same variables: one signs, the other verifies.
      const service = () => {
        const config = loadConfig({ ...fromCompose, EVENTSTORE_URL: 'memory:' });
        return new JwtAccessTokens({ keys: keySourceOf(config), issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, ttlSeconds: 60 });
      };
      const { token } = await service().issue('ada', ['customer']);
      assert.deepEqual(await service().verify(token), { userId: 'ada', roles: ['customer'] });

      assert.notDeepEqual(dotEnv(await generated()), fromCompose);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
