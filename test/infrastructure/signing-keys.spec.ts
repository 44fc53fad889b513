import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/infrastructure/config/config.js';
import { keySourceOf, loadSigningKey } from '../../src/infrastructure/auth/signing-keys.js';
import { loadConfig } from '../../src/infrastructure/config/config.js';

const pemPair = () =>
  generateKeyPairSync('ec', { namedCurve: 'P-256', privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });

describe('signing keys', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ledgerflow-keys-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('chooses PEM from the environment, else memory for memory:, else DATA_DIR/jwt-keys.json', () => {
    const { privateKey, publicKey } = pemPair();
    assert.equal(keySourceOf(loadConfig({ JWT_PRIVATE_KEY: privateKey, JWT_PUBLIC_KEY: publicKey, EVENTSTORE_URL: 'memory:' })).kind, 'pem');
    assert.equal(keySourceOf(loadConfig({ EVENTSTORE_URL: 'memory:' })).kind, 'memory');
    assert.deepEqual(keySourceOf(loadConfig({ DATA_DIR: dir })), { kind: 'file', path: join(dir, 'jwt-keys.json') });
  });

  it('makes one key when several processes boot at once, keeps it 0600, and leaves no temporary file', async () => {
    const path = join(dir, 'nested', 'jwt-keys.json');
    const keys = await Promise.all(Array.from({ length: 8 }, () => loadSigningKey({ kind: 'file', path })));
    assert.equal(new Set(keys.map((key) => key.kid)).size, 1);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(join(dir, 'nested')), ['jwt-keys.json']);
    const stored = JSON.parse(readFileSync(path, 'utf8'));
    assert.equal(stored.keys[0].kty, 'EC');
    assert.ok(stored.keys[0].d, 'the private key is kept');
    assert.equal((await loadSigningKey({ kind: 'file', path })).kid, keys[0]!.kid);
  });

  it('describes the public key for the JWKS document, never the private part', async () => {
    const key = await loadSigningKey({ kind: 'memory' });
    assert.deepEqual(Object.keys(key.publicJwk).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    assert.equal(key.publicJwk.kid, key.kid);
  });

  it('loads a PEM pair, with or without \\n escapes, with a stable kid', async () => {
    const { privateKey, publicKey } = pemPair();
    const plain = await loadSigningKey({ kind: 'pem', privateKey, publicKey });
    const escaped = await loadSigningKey({ kind: 'pem', privateKey: privateKey.replace(/\n/g, '\\n'), publicKey: publicKey.replace(/\n/g, '\\n') });
    assert.equal(plain.kid, escaped.kid);
  });

  it('refuses a public key that is not the private key\'s other half, and a key that is not P-256', async () => {
    await assert.rejects(loadSigningKey({ kind: 'pem', privateKey: pemPair().privateKey, publicKey: pemPair().publicKey }), ConfigError);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    await assert.rejects(loadSigningKey({ kind: 'pem', privateKey: rsa.privateKey, publicKey: rsa.publicKey }), ConfigError);
  });
});
