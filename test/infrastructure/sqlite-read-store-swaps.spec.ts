import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteReadStore } from '../../src/infrastructure/read-store/sqlite-read-store.js';

describe('SqliteReadStore with other writers: a swap made by another process', () => {
  let dir: string;
  let stores: SqliteReadStore[] = [];

  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ledgerflow-sqlite-swaps-'))));
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A reader (an API role, or a projector standing by) and the writer (the projector rebuilding), on one file. */
  const open = async () => {
    const file = join(dir, 'read-models.sqlite');
    const reader = new SqliteReadStore(file, 'NORMAL', { otherWriters: true });
    const writer = new SqliteReadStore(file, 'NORMAL', { otherWriters: true });
    stores = [reader, writer];
    for (const store of stores) await store.define('catalog', [{ name: 'products', indexes: ['name'] }]);
    await writer.commit({ projection: 'catalog', generation: 0 }, [{ collection: 'products', id: 'mug', document: { id: 'mug', name: 'Mug' }, position: 1n }], 1n);
    return { reader, writer };
  };

  it('is followed: once the writer has swapped a rebuilt generation in (and dropped the old one), the reader reads the new one', async () => {
    const { reader, writer } = await open();
    assert.deepEqual(await reader.get('products', 'mug'), { id: 'mug', name: 'Mug' });
    assert.equal(await reader.activeGeneration('catalog'), 0);

    await writer.commit({ projection: 'catalog', generation: 1 }, [{ collection: 'products', id: 'mug', document: { id: 'mug', name: 'Rebuilt mug' }, position: 1n }], 1n);
    await writer.activate({ projection: 'catalog', generation: 1 });

    assert.equal(await reader.activeGeneration('catalog'), 1);
    assert.deepEqual(await reader.get('products', 'mug'), { id: 'mug', name: 'Rebuilt mug' });
    assert.deepEqual((await reader.find('products', { where: { name: 'Rebuilt mug' }, limit: 10 })).items, [{ id: 'mug', name: 'Rebuilt mug' }]);
    assert.equal(await reader.checkpoint({ projection: 'catalog', generation: await reader.activeGeneration('catalog') }), 1n);
  });
});
