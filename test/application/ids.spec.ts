import assert from 'node:assert/strict';
import fc from 'fast-check';
import { v5, validate, version } from 'uuid';
import { nameBasedIds, newId } from '../../src/application/ids.js';

describe('ids', () => {
  describe('nameBasedIds: UUIDv5 in a namespace', () => {
    const namespace = '6d1f4b8e-58c5-4d1e-9d3a-6c1b0f6a2e10';
    const idOf = nameBasedIds(namespace);

    it('gives the id uuid’s v5() gives, for any name (ASCII, Latin-1, any Unicode, empty)', () => {
      for (const name of ['', 'order-fulfilment/o-1/charge-payment/0', 'Crème brûlée', '注文/1', '🧾/2']) assert.equal(idOf(name), v5(name, namespace), name);
      fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (name) => idOf(name) === v5(name, namespace)), { numRuns: 500 });
    });

    it('gives a version 5 id, the same for the same name, another for another name or namespace', () => {
      const id = idOf('a');
      assert.ok(validate(id));
      assert.equal(version(id), 5);
      assert.equal(idOf('a'), id);
      assert.notEqual(idOf('b'), id);
      assert.notEqual(nameBasedIds('fa39419a-f72b-409a-950f-38381a9da128')('a'), id);
    });

    it('refuses a namespace that is not a UUID', () => assert.throws(() => nameBasedIds('not-a-uuid'), /not a UUID/));
  });

  it('newId gives time-ordered version 7 ids, each new', () => {
    const ids = Array.from({ length: 1000 }, newId);
    assert.ok(ids.every((id) => validate(id) && version(id) === 7));
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual([...ids].sort(), ids);
  });
});
