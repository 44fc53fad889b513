import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReadDocument } from '../../src/application/ports/read-store.js';
import { DocumentCache } from '../../src/infrastructure/read-store/document-cache.js';
import { SqliteReadStore } from '../../src/infrastructure/read-store/sqlite-read-store.js';

const target = { projection: 'catalog', generation: 0 };
const mug = (name: string): ReadDocument => ({ id: 'mug', name, tags: ['kitchen'] });

describe('DocumentCache over SQLite', () => {
  let dir: string;
  let stores: SqliteReadStore[];

  /** Two connections to one file: the cache's own, and another process's. */
  const open = async (otherWriters: boolean) => {
    const own = new SqliteReadStore(join(dir, 'read-models.db'));
    const other = new SqliteReadStore(join(dir, 'read-models.db'));
    stores = [own, other];
    const cache = new DocumentCache(own, { otherWriters });
    await cache.define('catalog', [{ name: 'products' }]);
    await other.define('catalog', [{ name: 'products' }]);
    await cache.commit(target, [{ collection: 'products', id: 'mug', document: mug('Mug'), position: 1n }], 1n);
    return { cache, other };
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ledgerflow-document-cache-'));
  });
  afterEach(async () => {
    for (const store of stores) await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('given a cached document, when another process commits a change to it, then the next get sees the change', async () => {
    const { cache, other } = await open(true);
    assert.equal((await cache.get('products', 'mug'))?.name, 'Mug');
    await other.commit(target, [{ collection: 'products', id: 'mug', document: mug('Big mug'), position: 2n }], 2n);
    assert.equal((await cache.get('products', 'mug'))?.name, 'Big mug');
  });

  it('given a cached document, when this process commits a change to it, then the next get sees the change', async () => {
    const { cache } = await open(false);
    assert.equal((await cache.get('products', 'mug'))?.name, 'Mug');
    await cache.commit(target, [{ collection: 'products', id: 'mug', document: mug('Big mug'), position: 2n }], 2n);
    assert.equal((await cache.get('products', 'mug'))?.name, 'Big mug');
    await cache.commit(target, [{ collection: 'products', id: 'mug', document: null, position: 3n }], 3n);
    assert.equal(await cache.get('products', 'mug'), null);
  });

  it('given a cached document, then every get answers the same frozen object, which no caller can change', async () => {
    const { cache } = await open(false);
    const first = await cache.get('products', 'mug');
    const second = await cache.get('products', 'mug');
    assert.equal(first, second);
    assert.throws(() => (first!.tags as string[]).push('changed'), TypeError);
    assert.deepEqual(await cache.get('products', 'mug'), mug('Mug'));
  });
});
