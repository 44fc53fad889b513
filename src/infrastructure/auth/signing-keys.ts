import { randomUUID } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { calculateJwkThumbprint, type CryptoKey, exportJWK, generateKeyPair, importJWK, importPKCS8, importSPKI, type JWK } from 'jose';
import { type Config, ConfigError } from '../config/config.js';

export const ALG = 'ES256';

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  /** The public half as the JWKS document serves it: kty, crv, x, y, kid, alg, use. */
  publicJwk: JWK;
}

/** Where the key pair comes from: PEM in the environment, a file under DATA_DIR made on first boot, or memory. */
export type KeySource = { kind: 'pem'; privateKey: string; publicKey: string } | { kind: 'file'; path: string } | { kind: 'memory' };

export const keySourceOf = (config: Config): KeySource => {
  if (config.JWT_PRIVATE_KEY && config.JWT_PUBLIC_KEY) return { kind: 'pem', privateKey: config.JWT_PRIVATE_KEY, publicKey: config.JWT_PUBLIC_KEY };
  if (config.EVENTSTORE_URL?.startsWith('memory:')) return { kind: 'memory' };
  return { kind: 'file', path: join(config.DATA_DIR, 'jwt-keys.json') };
};

export const loadSigningKey = async (source: KeySource): Promise<SigningKey> => {
  switch (source.kind) {
    case 'pem':
      return fromPem(source.privateKey, source.publicKey);
    case 'memory':
      return fromPrivateJwk(await generatePrivateJwk());
    case 'file':
      return fromPrivateJwk(await persistedPrivateJwk(source.path));
  }
};

/** Environment variables often carry PEM with `\n` escapes instead of line breaks. */
const pem = (text: string) => text.replace(/\\n/g, '\n').trim();

const fromPem = async (privatePem: string, publicPem: string): Promise<SigningKey> => {
  let privateKey: CryptoKey;
  let publicJwk: JWK;
  try {
    privateKey = await importPKCS8(pem(privatePem), ALG, { extractable: true });
    publicJwk = await exportJWK(await importSPKI(pem(publicPem), ALG, { extractable: true }));
  } catch (error) {
    throw new ConfigError(`invalid configuration: JWT_PRIVATE_KEY / JWT_PUBLIC_KEY must be a P-256 PKCS8 / SPKI PEM pair (${(error as Error).message})`);
  }
  const privateJwk = await exportJWK(privateKey);
  if (privateJwk.x !== publicJwk.x || privateJwk.y !== publicJwk.y)
    throw new ConfigError('invalid configuration: JWT_PUBLIC_KEY is not the public half of JWT_PRIVATE_KEY');
  return { ...(await describe(publicJwk)), privateKey };
};

const fromPrivateJwk = async (jwk: JWK): Promise<SigningKey> => {
  const privateKey = (await importJWK({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, d: jwk.d }, ALG)) as CryptoKey;
  return { ...(await describe(jwk)), privateKey };
};

const describe = async ({ kty, crv, x, y }: JWK): Promise<Omit<SigningKey, 'privateKey'>> => {
  const kid = await calculateJwkThumbprint({ kty, crv, x, y } as JWK);
  return { kid, publicJwk: { kty, crv, x, y, kid, alg: ALG, use: 'sig' } as JWK };
};

const generatePrivateJwk = async (): Promise<JWK> => {
  const { privateKey } = await generateKeyPair(ALG, { extractable: true });
  return exportJWK(privateKey);
};

const readPrivateJwk = async (path: string): Promise<JWK | undefined> => {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const jwk = (JSON.parse(text) as { keys?: JWK[] }).keys?.[0];
  if (!jwk?.d) throw new Error(`${path} holds no private key`);
  return jwk;
};

/**
 * The key pair kept in `jwt-keys.json` (a JWKS with the private key, mode 0600). The first boot writes a complete
 * temporary file (`wx`) and publishes it with link(2), which refuses to replace an existing file: when several
 * processes boot at once exactly one key wins, every process reads that one, and nobody ever sees half a file.
 */
const persistedPrivateJwk = async (path: string): Promise<JWK> => {
  const existing = await readPrivateJwk(path);
  if (existing) return existing;
  await mkdir(dirname(path), { recursive: true });
  const jwk = await generatePrivateJwk();
  const temporary = `${path}.${randomUUID()}.tmp`;
  await writeFile(temporary, `${JSON.stringify({ keys: [{ ...jwk, alg: ALG, use: 'sig' }] }, null, 2)}\n`, { flag: 'wx', mode: 0o600 });
  try {
    await link(temporary, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await unlink(temporary);
  }
  return (await readPrivateJwk(path))!;
};
