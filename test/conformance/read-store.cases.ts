import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  type DocumentChange,
  documentKey,
  FencedOffError,
  type FindQuery,
  InvalidCursorError,
  type ProjectionTarget,
  type ReadDocument,
  type ReadStore,
  type Scalar,
} from '../../src/application/ports/read-store.js';
import { type NotConfigured, pendingByDesign } from '../support/pending-by-design.js';

/**
 * How an adapter keeps a redelivered event from being applied twice:
 *  - 'per-document': every write is guarded by the position stored with the document (memory, MongoDB);
 *  - 'atomic-checkpoint': documents and checkpoint commit in one transaction, so the runner never redelivers
 *    an event the checkpoint covers (SQLite); the store itself overwrites whatever it is given.
 */
export type RedeliveryGuard = 'per-document' | 'atomic-checkpoint';

export interface ReadStoreConformanceOptions {
  redeliveryGuard: RedeliveryGuard;
  /**
   * Whether a commit is all or nothing. MongoDB (FerretDB has no transactions) writes the documents, then the
   * checkpoint: a commit that fails midway may leave some documents written, never the checkpoint moved.
   */
  atomicCommit: boolean;
  /** The suite cannot run here (its server is not configured): its cases are recorded as pending by design. */
  notHere?: NotConfigured;
  /** Runs once after every case (e.g. drops the test database). */
  cleanup?: () => Promise<void>;
  /** Documents the bulk case writes twice and loads (default 600: past 500-id load chunks and 100-statement commands). */
  bulkDocuments?: number;
}

/**
 * What each case gets: a store of its own, and a projection and collections no other case (or run) shares,
 * so the cases also hold on a shared server.
 */
interface Given {
  store: ReadStore;
  projection: string;
  /** Collection indexed on status, qty and name. */
  items: string;
  /** A second collection of the same projection, without indexes. */
  notes: string;
  target(generation: number): ProjectionTarget;
  /** Defines the projection's two collections. */
  define(): Promise<void>;
  /** Commits the documents into `collection` (default items) of `generation` (default 0), each at the next position; returns the last. */
  put(documents: readonly ReadDocument[], options?: { generation?: number; collection?: string }): Promise<bigint>;
  /** The next position, for hand-built commits. */
  next(): bigint;
}

const ids = (list: readonly { id: string }[]): string[] => list.map((document) => document.id);

const change = (collection: string, id: string, document: Omit<ReadDocument, 'id'> | null, position: bigint): DocumentChange => ({
  collection,
  id,
  document: document === null ? null : { ...document, id },
  position,
});

/** Every id the query yields, following cursors page by page; checks each page's size and cursor on the way. */
const pageThrough = async (store: ReadStore, collection: string, query: Omit<FindQuery, 'cursor'>): Promise<string[]> => {
  const seen: string[] = [];
  let cursor: string | undefined;
  for (let pages = 1; ; pages += 1) {
    assert.ok(pages < 500, 'the cursors never end');
    const page = await store.find(collection, { ...query, cursor });
    assert.ok(page.items.length <= query.limit, `a page of ${page.items.length} items for limit ${query.limit}`);
    seen.push(...ids(page.items));
    if (page.nextCursor === null) return seen;
    assert.equal(page.items.length, query.limit, 'a page with a next cursor is full');
    cursor = page.nextCursor;
  }
};

/** The ids of `documents` in (field, id) order; ids and string values here are ASCII, so `<` is the stores' binary order. */
const expectedOrder = (documents: readonly ReadDocument[], field: string, direction: 'asc' | 'desc'): string[] => {
  const rank = (value: unknown): number => (value === null || value === undefined ? 0 : typeof value === 'number' ? 1 : 2);
  const compare = (a: unknown, b: unknown): number =>
    rank(a) - rank(b) || (rank(a) === 0 ? 0 : (a as number | string) < (b as number | string) ? -1 : (a as number | string) > (b as number | string) ? 1 : 0);
  const sorted = [...documents].sort((a, b) => compare(a[field], b[field]) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return ids(direction === 'asc' ? sorted : sorted.reverse());
};

/**
 * The refusals the port's adapters make on purpose, told apart from any other error (a crash on a value it did
 * not expect is not a refusal):
 *  - value: a where value, id or search text that is not what the query takes (a TypeError naming it);
 *  - name: a collection or field name that is not an identifier (`assertIdentifier`);
 *  - collection: a collection never defined.
 */
const REFUSALS = {
  value: (error: unknown): boolean => error instanceof TypeError && /^(where\.\w+|id|search\.text) must be /.test(error.message),
  name: (error: unknown): boolean => error instanceof Error && /^not a valid collection or field name: /.test(error.message),
  collection: (error: unknown): boolean => error instanceof Error && /^unknown collection /.test(error.message),
} as const;
type Refusal = keyof typeof REFUSALS;

/** The store refuses with this kind of error. */
const refuses = async (kind: Refusal, attempt: Promise<unknown>, what: string): Promise<void> => {
  await assert.rejects(attempt, (error: unknown) => {
    assert.ok(REFUSALS[kind](error), `${what}: refused with ${String(error)}, not a refusal of a ${kind}`);
    return true;
  });
};

/** Either the store refuses with this kind of error, or the result satisfies `check`. */
const refusedOr = async <T>(kind: Refusal, attempt: () => Promise<T>, check: (result: T) => void, what: string): Promise<void> => {
  let result: T;
  try {
    result = await attempt();
  } catch (error) {
    assert.ok(REFUSALS[kind](error), `${what}: refused with ${String(error)}, not a refusal of a ${kind}`);
    return;
  }
  check(result);
};

export const readStoreConformance = (name: string, open: () => Promise<ReadStore>, options: ReadStoreConformanceOptions): void => {
  const { redeliveryGuard } = options;
  const pending = pendingByDesign(name, options.notHere);

  const test = (title: string, body: (t: Given) => Promise<void>): void => {
    if (pending) {
      pending.add(title);
      return;
    }
    it(title, async function () {
      this.timeout(60_000);
      const store = await open();
      try {
        const tag = randomUUID().replaceAll('-', '').slice(0, 16);
        const projection = `conformance_${tag}`;
        const items = `items_${tag}`;
        const notes = `notes_${tag}`;
        let position = 0n;
        const next = (): bigint => (position += 1n);
        await body({
          store,
          projection,
          items,
          notes,
          target: (generation) => ({ projection, generation }),
          define: () => store.define(projection, [{ name: items, indexes: ['status', 'qty', 'name'] }, { name: notes }]),
          next,
          put: async (documents, { generation = 0, collection = items } = {}) => {
            const changes = documents.map((document) => ({ collection, id: document.id, document, position: next() }));
            await store.commit({ projection, generation }, changes, position);
            return position;
          },
        });
      } finally {
        await store.close();
      }
    });
  };

  describe(name, () => {
    if (options.cleanup && !pending) after(options.cleanup);

    describe('define, commit and get', () => {
      test('returns a committed document by id, and null for an id never written', async (t) => {
        await t.define();
        await t.put([{ id: 'a', name: 'Mug', qty: 3 }]);
        assert.deepEqual(await t.store.get(t.items, 'a'), { id: 'a', name: 'Mug', qty: 3 });
        assert.equal(await t.store.get(t.items, 'b'), null);
        assert.equal(await t.store.get(t.notes, 'a'), null, 'collections are separate');
      });

      test('round-trips nested values, and drops undefined fields as JSON does', async (t) => {
        await t.define();
        const document = {
          id: 'nested',
          text: 'naïve – ✓ 🎉',
          integer: 42,
          negative: -7,
          fraction: 0.125,
          big: 2 ** 40,
          yes: true,
          no: false,
          nothing: null,
          list: [1, 'two', { three: [3] }, null],
          object: { inner: { deeper: 'x' }, empty: {} },
          emptyList: [],
          missing: undefined,
        };
        await t.put([document]);
        const { missing: _, ...expected } = document;
        assert.deepEqual(await t.store.get(t.items, 'nested'), expected);
      });

      test('mutating a result or the committed object changes nothing stored (a result may be frozen instead of a copy)', async (t) => {
        await t.define();
        const committed = { id: 'a', name: 'Mug', tags: ['x'], price: { amount: 1 } };
        await t.put([committed]);
        committed.tags.push('from-caller');
        committed.price.amount = 99;
        const got = (await t.store.get(t.items, 'a')) as unknown as { tags: string[]; price: { amount: number }; name: string };
        const unlessFrozen = (mutate: () => void) => {
          try {
            mutate();
          } catch (error) {
            if (!(error instanceof TypeError)) throw error;
          }
        };
        unlessFrozen(() => got.tags.push('from-get'));
        unlessFrozen(() => (got.price.amount = 100));
        unlessFrozen(() => (got.name = 'changed'));
        const found = (await t.store.find(t.items, { limit: 10 })).items[0] as unknown as { tags: string[] };
        found.tags.push('from-find');
        const loaded = (await t.store.load(t.target(0), [{ collection: t.items, id: 'a' }])).get(documentKey(t.items, 'a'));
        (loaded?.document as unknown as { tags: string[] }).tags.push('from-load');
        assert.deepEqual(await t.store.get(t.items, 'a'), { id: 'a', name: 'Mug', tags: ['x'], price: { amount: 1 } });
      });

      test('deletes a document when its change is null', async (t) => {
        await t.define();
        await t.put([{ id: 'a', name: 'A' }, { id: 'b', name: 'B' }]);
        await t.store.commit(t.target(0), [change(t.items, 'a', null, t.next())], 10n);
        assert.equal(await t.store.get(t.items, 'a'), null);
        assert.deepEqual(ids((await t.store.find(t.items, { limit: 10 })).items), ['b']);
        const loaded = await t.store.load(t.target(0), [{ collection: t.items, id: 'a' }, { collection: t.items, id: 'b' }]);
        assert.deepEqual([...loaded.keys()], [documentKey(t.items, 'b')]);
        await t.store.commit(t.target(0), [change(t.items, 'never', null, t.next())], 11n);
        assert.equal(await t.store.get(t.items, 'never'), null, 'deleting a document that does not exist is harmless');
      });

      test('defining twice is harmless: documents, checkpoint and queries stay as they were', async (t) => {
        await t.define();
        await t.put([{ id: 'a', status: 'open', qty: 2 }, { id: 'b', status: 'closed', qty: 1 }]);
        await t.define();
        await t.store.define(t.projection, [{ name: t.items, indexes: ['status', 'qty', 'name'] }, { name: t.notes }]);
        assert.deepEqual(await t.store.get(t.items, 'a'), { id: 'a', status: 'open', qty: 2 });
        assert.equal(await t.store.checkpoint(t.target(0)), 2n);
        assert.deepEqual(ids((await t.store.find(t.items, { where: { status: 'open' }, orderBy: 'qty', limit: 10 })).items), ['a']);
      });

      test('refuses a collection that was never defined', async (t) => {
        await t.define();
        await refuses('collection', t.store.get(`undefined_${t.items}`, 'a'), 'get');
        await refuses('collection', t.store.find(`undefined_${t.items}`, { limit: 1 }), 'find');
        await refuses('collection', t.store.commit(t.target(0), [change(`undefined_${t.items}`, 'a', {}, 1n)], 1n), 'commit');
        assert.equal(await t.store.checkpoint(t.target(0)), 0n, 'the refused commit moved no checkpoint');
      });
    });

    describe('find', () => {
      const catalogue: ReadDocument[] = [
        { id: 'p1', name: 'Blue Mug', description: 'ceramic', status: 'active', qty: 3, featured: true },
        { id: 'p2', name: 'Red mug', description: 'enamel', status: 'active', qty: 1, featured: false },
        { id: 'p3', name: 'Teapot', description: 'A MUG-shaped teapot', status: 'retired', qty: 3, featured: false },
        { id: 'p4', name: 'Spoon', description: 'steel', status: 'active', qty: 0, featured: null },
        { id: 'p5', name: 'Plate', description: 'ceramic', status: 'retired', qty: 7 },
      ];

      test('filters by equality on strings, numbers, booleans and id; null also matches a missing field', async (t) => {
        await t.define();
        await t.put(catalogue);
        const where = async (filter: Readonly<Record<string, Scalar>>) => ids((await t.store.find(t.items, { where: filter, limit: 50 })).items);
        assert.deepEqual(await where({ status: 'active' }), ['p1', 'p2', 'p4']);
        assert.deepEqual(await where({ qty: 3 }), ['p1', 'p3']);
        assert.deepEqual(await where({ status: 'active', qty: 3 }), ['p1']);
        assert.deepEqual(await where({ featured: true }), ['p1']);
        assert.deepEqual(await where({ featured: false }), ['p2', 'p3']);
        assert.deepEqual(await where({ featured: null }), ['p4', 'p5']);
        assert.deepEqual(await where({ id: 'p2' }), ['p2']);
        assert.deepEqual(await where({ status: 'Active' }), [], 'equality is exact');
        assert.deepEqual(await where({}), ['p1', 'p2', 'p3', 'p4', 'p5']);
      });

      test('searches case-insensitively for a substring in any of the listed fields; empty text filters nothing', async (t) => {
        await t.define();
        await t.put(catalogue);
        const search = async (text: string, fields: string[] = ['name', 'description']) =>
          ids((await t.store.find(t.items, { search: { fields, text }, limit: 50 })).items);
        assert.deepEqual(await search('mug'), ['p1', 'p2', 'p3']);
        assert.deepEqual(await search('MUG', ['name']), ['p1', 'p2']);
        assert.deepEqual(await search('CERAMIC'), ['p1', 'p5']);
        assert.deepEqual(await search('eApO'), ['p3']);
        assert.deepEqual(await search('nothing like it'), []);
        assert.deepEqual(await search(''), ['p1', 'p2', 'p3', 'p4', 'p5']);
      });

      test('matches %, _, \\ and regular-expression metacharacters in the search text literally', async (t) => {
        await t.define();
        const names = ['100% cotton', '100 percent', 'snake_case', 'snakeXcase', 'a.b', 'axb', 'C++ (v1)', 'Cpp v1', 'back\\slash', 'dollar$^', 'dollar', '[x]|*?{2}', 'x'];
        await t.put(names.map((name, index) => ({ id: `n${String(index).padStart(2, '0')}`, name })));
        const search = async (text: string) =>
          (await t.store.find(t.items, { search: { fields: ['name'], text }, limit: 50 })).items.map((item) => item.name);
        assert.deepEqual(await search('%'), ['100% cotton']);
        assert.deepEqual(await search('0%'), ['100% cotton']);
        assert.deepEqual(await search('_'), ['snake_case']);
        assert.deepEqual(await search('e_c'), ['snake_case']);
        assert.deepEqual(await search('.'), ['a.b']);
        assert.deepEqual(await search('a.b'), ['a.b']);
        assert.deepEqual(await search('++ ('), ['C++ (v1)']);
        assert.deepEqual(await search('\\'), ['back\\slash']);
        assert.deepEqual(await search('$^'), ['dollar$^']);
        assert.deepEqual(await search('[x]|*?{2}'), ['[x]|*?{2}']);
        assert.deepEqual(await search('.*'), []);
        assert.deepEqual(await search('COTTON'), ['100% cotton']);
      });

      test('combines where and search', async (t) => {
        await t.define();
        await t.put(catalogue);
        const found = await t.store.find(t.items, { where: { status: 'active' }, search: { fields: ['name', 'description'], text: 'mug' }, limit: 50 });
        assert.deepEqual(ids(found.items), ['p1', 'p2']);
      });

      test('orders by a field ascending and descending, ties broken by id in the same direction', async (t) => {
        await t.define();
        await t.put(catalogue);
        const order = async (orderBy: string, direction: 'asc' | 'desc') => ids((await t.store.find(t.items, { orderBy, direction, limit: 50 })).items);
        assert.deepEqual(await order('qty', 'asc'), ['p4', 'p2', 'p1', 'p3', 'p5']);
        assert.deepEqual(await order('qty', 'desc'), ['p5', 'p3', 'p1', 'p2', 'p4']);
        assert.deepEqual(await order('name', 'asc'), ['p1', 'p5', 'p2', 'p4', 'p3']);
        assert.deepEqual(await order('status', 'desc'), ['p5', 'p3', 'p4', 'p2', 'p1']);
      });

      test('orders by id when no orderBy is given, descending too', async (t) => {
        await t.define();
        await t.put([{ id: 'c' }, { id: 'a' }, { id: 'B' }, { id: 'b' }]);
        assert.deepEqual(ids((await t.store.find(t.items, { limit: 50 })).items), ['B', 'a', 'b', 'c']);
        assert.deepEqual(ids((await t.store.find(t.items, { direction: 'desc', limit: 50 })).items), ['c', 'b', 'a', 'B']);
      });

      test('gives a next cursor only when more items follow', async (t) => {
        await t.define();
        await t.put(catalogue.slice(0, 3));
        const whole = await t.store.find(t.items, { limit: 3 });
        assert.equal(whole.items.length, 3);
        assert.equal(whole.nextCursor, null);
        const first = await t.store.find(t.items, { limit: 2 });
        assert.deepEqual(ids(first.items), ['p1', 'p2']);
        assert.equal(typeof first.nextCursor, 'string');
        const second = await t.store.find(t.items, { limit: 2, cursor: first.nextCursor ?? undefined });
        assert.deepEqual(ids(second.items), ['p3']);
        assert.equal(second.nextCursor, null);
        const empty = await t.store.find(t.items, { where: { status: 'none' }, limit: 2 });
        assert.deepEqual(empty, { items: [], nextCursor: null });
      });

      test('pages through everything with cursors, none missed or repeated, ties on the sort field included', async (t) => {
        await t.define();
        // 23 documents over 4 distinct qty values: long runs of ties that pages must split.
        const documents = Array.from({ length: 23 }, (_, index) => ({ id: `d${String((index * 7) % 23).padStart(2, '0')}`, qty: index % 4, status: 'x' }));
        await t.put(documents);
        for (const direction of ['asc', 'desc'] as const) {
          for (const limit of [1, 2, 3, 5, 22, 23, 24]) {
            const seen = await pageThrough(t.store, t.items, { orderBy: 'qty', direction, limit });
            assert.deepEqual(seen, expectedOrder(documents, 'qty', direction), `qty ${direction}, limit ${limit}`);
            const byId = await pageThrough(t.store, t.items, { direction, limit });
            assert.deepEqual(byId, expectedOrder(documents, 'id', direction), `id ${direction}, limit ${limit}`);
          }
        }
      });

      test('pages through string sort values and filtered queries', async (t) => {
        await t.define();
        const documents = Array.from({ length: 17 }, (_, index) => ({
          id: `s${String(index).padStart(2, '0')}`,
          name: ['Alpha', 'beta', 'Gamma', 'alpha'][index % 4]!,
          status: index % 3 === 0 ? 'open' : 'closed',
        }));
        await t.put(documents);
        for (const direction of ['asc', 'desc'] as const) {
          for (const limit of [1, 2, 4]) {
            assert.deepEqual(await pageThrough(t.store, t.items, { orderBy: 'name', direction, limit }), expectedOrder(documents, 'name', direction));
            const open = documents.filter((document) => document.status === 'open');
            assert.deepEqual(
              await pageThrough(t.store, t.items, { where: { status: 'open' }, orderBy: 'name', direction, limit }),
              expectedOrder(open, 'name', direction),
            );
            const alphas = documents.filter((document) => document.name.toLowerCase().includes('lph'));
            assert.deepEqual(
              await pageThrough(t.store, t.items, { search: { fields: ['name'], text: 'LPH' }, orderBy: 'name', direction, limit }),
              expectedOrder(alphas, 'name', direction),
            );
          }
        }
      });

      test(
        'pages past documents whose sort field is null or missing (they sort first ascending)',
        async (t) => {
          await t.define();
          const documents: ReadDocument[] = [
            { id: 'm1', qty: 2 },
            { id: 'm2', qty: null },
            { id: 'm3' },
            { id: 'm4', qty: 1 },
            { id: 'm5', qty: null },
            { id: 'm6', qty: 2 },
          ];
          await t.put(documents);
          for (const direction of ['asc', 'desc'] as const) {
            for (const limit of [1, 2, 4]) {
              assert.deepEqual(await pageThrough(t.store, t.items, { orderBy: 'qty', direction, limit }), expectedOrder(documents, 'qty', direction), `${direction} ${limit}`);
            }
          }
        },
      );

      test('rejects a cursor it did not give out with InvalidCursorError', async (t) => {
        await t.define();
        await t.put(catalogue);
        const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
        for (const cursor of ['not a cursor!', '', base64url({ sort: 1, id: 'a' }), base64url([1]), base64url([{ $gt: '' }, 'p1']), base64url([1, { $gt: '' }])]) {
          await assert.rejects(t.store.find(t.items, { orderBy: 'qty', limit: 2, cursor }), InvalidCursorError, `cursor ${JSON.stringify(cursor)}`);
        }
      });

      test('does not let an operator object in a where value through (no injection)', async (t) => {
        await t.define();
        await t.put(catalogue);
        for (const value of [{ $ne: null }, { $gt: '' }, { $regex: '.*' }, { $exists: true }, { $where: 'true' }]) {
          for (const field of ['status', 'id']) {
            await refusedOr(
              'value',
              () => t.store.find(t.items, { where: { [field]: value as unknown as Scalar }, limit: 50 }),
              (page) => assert.deepEqual(page.items, [], `where ${field} = ${JSON.stringify(value)} matched documents`),
              `where ${field} = ${JSON.stringify(value)}`,
            );
          }
        }
        await refusedOr(
          'value',
          () => t.store.get(t.items, { $ne: null } as unknown as string),
          (document) => assert.equal(document, null),
          'get with an object id',
        );
        await refusedOr(
          'value',
          () => t.store.find(t.items, { search: { fields: ['name'], text: { $ne: null } as unknown as string }, limit: 50 }),
          (page) => assert.deepEqual(page.items, []),
          'search text an object',
        );
      });

      test(
        'refuses or matches nothing with an array where value (no type confusion)',
        async (t) => {
          await t.define();
          await t.put(catalogue);
          for (const value of [['active'], ['active', 'retired'], []]) {
            await refusedOr(
              'value',
              () => t.store.find(t.items, { where: { status: value as unknown as Scalar }, limit: 50 }),
              (page) => assert.deepEqual(page.items, [], `where status = ${JSON.stringify(value)} matched documents`),
              `where status = ${JSON.stringify(value)}`,
            );
          }
        },
      );

      test('refuses field names that are not identifiers', async (t) => {
        await t.define();
        await t.put(catalogue);
        await refuses('name', t.store.find(t.items, { where: { $where: 'true' }, limit: 5 }), 'where $where');
        await refuses('name', t.store.find(t.items, { where: { 'price.amount': 1 }, limit: 5 }), 'where price.amount');
        await refuses('name', t.store.find(t.items, { orderBy: 'name; DROP TABLE x', limit: 5 }), 'orderBy with SQL');
        await refuses('name', t.store.find(t.items, { search: { fields: ['$name'], text: 'mug' }, limit: 5 }), 'search field $name');
        await refuses('name', t.store.define(t.projection, [{ name: 'bad-name' }]), 'collection bad-name');
        await refuses('name', t.store.define(t.projection, [{ name: `fresh_${t.items}`, indexes: ['$bad'] }]), 'index $bad');
      });
    });

    describe('positions and checkpoints', () => {
      test('load returns the stored documents of a generation with their positions, keyed by documentKey', async (t) => {
        await t.define();
        await t.store.commit(
          t.target(0),
          [change(t.items, 'a', { n: 1 }, 4n), change(t.items, 'b', { n: 2 }, 6n), change(t.notes, 'a', { note: 'x' }, 5n)],
          6n,
        );
        const loaded = await t.store.load(t.target(0), [
          { collection: t.items, id: 'a' },
          { collection: t.items, id: 'b' },
          { collection: t.notes, id: 'a' },
          { collection: t.items, id: 'missing' },
          { collection: t.notes, id: 'b' },
        ]);
        assert.deepEqual(
          new Map(loaded),
          new Map([
            [documentKey(t.items, 'a'), { document: { id: 'a', n: 1 }, position: 4n }],
            [documentKey(t.items, 'b'), { document: { id: 'b', n: 2 }, position: 6n }],
            [documentKey(t.notes, 'a'), { document: { id: 'a', note: 'x' }, position: 5n }],
          ]),
        );
        assert.equal((await t.store.load(t.target(0), [])).size, 0);
        assert.equal((await t.store.load(t.target(1), [{ collection: t.items, id: 'a' }])).size, 0, 'another generation holds nothing');
      });

      test('commit and load handle many documents at once (new ones, then updates of them all)', async (t) => {
        await t.define();
        const count = options.bulkDocuments ?? 600;
        const documents = Array.from({ length: count }, (_, index) => ({ id: `k${index}`, n: index }));
        await t.put(documents);
        const last = await t.put(documents.map((document) => ({ ...document, n: -document.n })));
        const keys = [...documents.map((document) => ({ collection: t.items, id: document.id })), { collection: t.items, id: 'none' }];
        const loaded = await t.store.load(t.target(0), keys);
        assert.equal(loaded.size, count);
        assert.deepEqual(loaded.get(documentKey(t.items, `k${count - 1}`)), { document: { id: `k${count - 1}`, n: -(count - 1) }, position: last });
        assert.deepEqual(loaded.get(documentKey(t.items, 'k1')), { document: { id: 'k1', n: -1 }, position: BigInt(count + 2) });
        assert.equal(await t.store.checkpoint(t.target(0)), last);
      });

      test('commit stores the checkpoint (0n before anything), a commit without changes too', async (t) => {
        await t.define();
        assert.equal(await t.store.checkpoint(t.target(0)), 0n);
        await t.store.commit(t.target(0), [change(t.items, 'a', { n: 1 }, 3n)], 3n);
        assert.equal(await t.store.checkpoint(t.target(0)), 3n);
        await t.store.commit(t.target(0), [], 9n);
        assert.equal(await t.store.checkpoint(t.target(0)), 9n);
        const large = 2n ** 52n + 12345n;
        await t.store.commit(t.target(0), [change(t.items, 'b', { n: 2 }, large)], large);
        assert.equal(await t.store.checkpoint(t.target(0)), large);
        assert.equal((await t.store.load(t.target(0), [{ collection: t.items, id: 'b' }])).get(documentKey(t.items, 'b'))?.position, large);
        assert.equal(await t.store.checkpoint({ projection: `other_${t.projection}`, generation: 0 }), 0n, 'checkpoints are per projection');
      });

      test(
        redeliveryGuard === 'per-document'
          ? 'redelivery: a change at an older or equal position overwrites or deletes nothing newer; newer changes still apply'
          : 'redelivery: after a commit no stored document is ahead of the checkpoint, so the runner redelivers nothing stored',
        async (t) => {
          await t.define();
          await t.store.commit(t.target(0), [change(t.items, 'a', { v: 'new' }, 10n), change(t.items, 'b', { v: 'b' }, 10n)], 10n);
          const loaded = await t.store.load(t.target(0), [{ collection: t.items, id: 'a' }, { collection: t.items, id: 'b' }]);
          const checkpoint = await t.store.checkpoint(t.target(0));
          assert.equal(checkpoint, 10n);
          for (const stored of loaded.values()) assert.ok(stored.position <= checkpoint, 'no document is ahead of the checkpoint');
          assert.deepEqual([...loaded.values()].map((stored) => stored.position), [10n, 10n]);
          if (redeliveryGuard !== 'per-document') return;

          // Replayed after a crash between the documents and the checkpoint: stale changes first, a fresh one last.
          await t.store.commit(
            t.target(0),
            [
              change(t.items, 'a', { v: 'old' }, 5n),
              change(t.items, 'b', null, 4n),
              change(t.items, 'a', { v: 'same position, other content' }, 10n),
              change(t.items, 'c', { v: 'c' }, 11n),
            ],
            11n,
          );
          assert.deepEqual(await t.store.get(t.items, 'a'), { id: 'a', v: 'new' });
          assert.deepEqual(await t.store.get(t.items, 'b'), { id: 'b', v: 'b' });
          assert.deepEqual(await t.store.get(t.items, 'c'), { id: 'c', v: 'c' });
          const after = await t.store.load(t.target(0), ['a', 'b', 'c'].map((id) => ({ collection: t.items, id })));
          assert.deepEqual(['a', 'b', 'c'].map((id) => after.get(documentKey(t.items, id))?.position), [10n, 10n, 11n]);
          assert.equal(await t.store.checkpoint(t.target(0)), 11n);

          await t.store.commit(t.target(0), [change(t.items, 'a', { v: 'newer' }, 12n), change(t.items, 'b', null, 12n)], 12n);
          assert.deepEqual(await t.store.get(t.items, 'a'), { id: 'a', v: 'newer' });
          assert.equal(await t.store.get(t.items, 'b'), null);
        },
      );

      test(
        options.atomicCommit
          ? 'documents and checkpoint commit together: a commit that fails midway moves neither; retried, it lands whole'
          : 'a commit that fails midway moves no checkpoint and writes nothing but its own changes; retried, it lands whole, each change once',
        async (t) => {
          await t.define();
          await t.store.commit(t.target(0), [change(t.items, 'a', { v: 'before' }, 1n), change(t.notes, 'n', { v: 'before' }, 1n)], 1n);
          // Read once, so that a caching adapter holds them.
          assert.deepEqual(await t.store.get(t.items, 'a'), { id: 'a', v: 'before' });
          assert.deepEqual(await t.store.get(t.notes, 'n'), { id: 'n', v: 'before' });

          // Changes to both collections, more than one write batch of them, then one whose document cannot be
          // serialised (the failure, midway through the writes), then more.
          const poisoned = { id: 'p', toJSON: () => { throw new Error('injected failure'); } } as unknown as ReadDocument;
          const batch: DocumentChange[] = [
            change(t.notes, 'n', { v: 'after' }, 2n),
            change(t.items, 'a', { v: 'after' }, 2n),
            ...Array.from({ length: 40 }, (_, index) => change(t.items, `m${String(index).padStart(2, '0')}`, { v: 'after' }, 3n)),
            { collection: t.items, id: 'p', document: poisoned, position: 4n },
            change(t.items, 'z', { v: 'after' }, 5n),
          ];
          await assert.rejects(t.store.commit(t.target(0), batch, 5n), /injected failure/);

          assert.equal(await t.store.checkpoint(t.target(0)), 1n, 'the checkpoint did not move');
          const stored = (await t.store.find(t.items, { limit: 100 })).items;
          const note = await t.store.get(t.notes, 'n');
          if (options.atomicCommit) {
            assert.deepEqual(stored, [{ id: 'a', v: 'before' }], 'no document moved');
            assert.deepEqual(await t.store.get(t.items, 'a'), { id: 'a', v: 'before' });
            assert.deepEqual(note, { id: 'n', v: 'before' });
            const loaded = await t.store.load(t.target(0), [{ collection: t.items, id: 'a' }, { collection: t.notes, id: 'n' }]);
            assert.deepEqual([...loaded.values()].map((document) => document.position), [1n, 1n], 'no position moved');
          } else {
            // Documents written before the failure may be there (the retry below overwrites them), each exactly as
            // its change says; nothing else.
            const changeOf = (collection: string, id: string) => batch.find((c) => c.collection === collection && c.id === id)?.document;
            for (const document of stored)
              if (document.v !== 'before') assert.deepEqual(document, changeOf(t.items, document.id), `items/${document.id} as its change says`);
            if (note?.v !== 'before') assert.deepEqual(note, changeOf(t.notes, 'n'), 'notes/n as its change says');
            assert.ok(!stored.some((document) => document.id === 'p'), 'the failing change wrote nothing');
          }

          // The runner retries the batch (here with the failing document mended): it lands whole.
          const mended = batch.map((c) => (c.id === 'p' ? change(t.items, 'p', { v: 'after' }, 4n) : c));
          await t.store.commit(t.target(0), mended, 5n);
          assert.equal(await t.store.checkpoint(t.target(0)), 5n);
          assert.deepEqual(await t.store.get(t.items, 'a'), { id: 'a', v: 'after' });
          assert.deepEqual(await t.store.get(t.notes, 'n'), { id: 'n', v: 'after' });
          const all = (await t.store.find(t.items, { limit: 100 })).items;
          assert.deepEqual(ids(all), ['a', ...Array.from({ length: 40 }, (_, index) => `m${String(index).padStart(2, '0')}`), 'p', 'z']);
          assert.ok(all.every((document) => document.v === 'after'));
        },
      );

      test('several changes of one document in one commit: the last one wins', async (t) => {
        await t.define();
        await t.store.commit(
          t.target(0),
          [change(t.items, 'a', { v: 1 }, 1n), change(t.items, 'a', { v: 2 }, 2n), change(t.items, 'b', { v: 1 }, 2n), change(t.items, 'b', null, 3n), change(t.items, 'c', { v: 1 }, 3n), change(t.items, 'c', { v: 2 }, 3n)],
          3n,
        );
        assert.deepEqual(await t.store.get(t.items, 'a'), { id: 'a', v: 2 });
        assert.equal(await t.store.get(t.items, 'b'), null);
        assert.deepEqual(await t.store.get(t.items, 'c'), { id: 'c', v: 2 });
      });
    });

    describe('generations', () => {
      const buildBoth = async (t: Given): Promise<void> => {
        await t.define();
        await t.store.commit(t.target(0), [change(t.items, 'a', { v: 'g0' }, 3n), change(t.notes, 'n', { v: 'g0' }, 3n)], 3n);
        await t.store.commit(t.target(1), [change(t.items, 'a', { v: 'g1' }, 5n), change(t.items, 'b', { v: 'g1' }, 7n)], 7n);
      };

      test('writing generation 1 changes nothing get and find return; checkpoints are per generation', async (t) => {
        await buildBoth(t);
        assert.equal(await t.store.activeGeneration(t.projection), 0);
        assert.deepEqual(await t.store.get(t.items, 'a'), { id: 'a', v: 'g0' });
        assert.equal(await t.store.get(t.items, 'b'), null);
        assert.deepEqual((await t.store.find(t.items, { limit: 10 })).items, [{ id: 'a', v: 'g0' }]);
        assert.equal(await t.store.checkpoint(t.target(0)), 3n);
        assert.equal(await t.store.checkpoint(t.target(1)), 7n);
        const loaded = await t.store.load(t.target(1), [{ collection: t.items, id: 'a' }, { collection: t.items, id: 'b' }, { collection: t.notes, id: 'n' }]);
        assert.deepEqual(
          new Map(loaded),
          new Map([
            [documentKey(t.items, 'a'), { document: { id: 'a', v: 'g1' }, position: 5n }],
            [documentKey(t.items, 'b'), { document: { id: 'b', v: 'g1' }, position: 7n }],
          ]),
        );
      });

      test('activate swaps generation 1 in and drops generation 0 (documents and checkpoint)', async (t) => {
        await buildBoth(t);
        await t.store.activate(t.target(1));
        assert.equal(await t.store.activeGeneration(t.projection), 1);
        assert.deepEqual(await t.store.get(t.items, 'a'), { id: 'a', v: 'g1' });
        assert.deepEqual(await t.store.get(t.items, 'b'), { id: 'b', v: 'g1' });
        assert.equal(await t.store.get(t.notes, 'n'), null, 'generation 1 never wrote this note');
        assert.deepEqual(ids((await t.store.find(t.items, { limit: 10 })).items), ['a', 'b']);
        assert.equal(await t.store.checkpoint(t.target(1)), 7n);
        assert.equal(await t.store.checkpoint(t.target(0)), 0n);
        assert.equal((await t.store.load(t.target(0), [{ collection: t.items, id: 'a' }, { collection: t.notes, id: 'n' }])).size, 0);
        await t.store.commit(t.target(1), [change(t.items, 'c', { v: 'g1' }, 8n)], 8n);
        assert.deepEqual(await t.store.get(t.items, 'c'), { id: 'c', v: 'g1' }, 'later commits to the active generation are read');
      });

      test('activating the generation already active keeps its data', async (t) => {
        await buildBoth(t);
        await t.store.activate(t.target(0));
        assert.equal(await t.store.activeGeneration(t.projection), 0);
        assert.deepEqual(await t.store.get(t.items, 'a'), { id: 'a', v: 'g0' });
        assert.equal(await t.store.checkpoint(t.target(0)), 3n);
      });

      test('drop clears a generation’s documents and checkpoint, leaves the other alone, and the generation can be rebuilt', async (t) => {
        await buildBoth(t);
        await t.store.drop(t.target(1));
        assert.equal(await t.store.checkpoint(t.target(1)), 0n);
        assert.equal((await t.store.load(t.target(1), [{ collection: t.items, id: 'a' }, { collection: t.items, id: 'b' }])).size, 0);
        assert.deepEqual(await t.store.get(t.items, 'a'), { id: 'a', v: 'g0' });
        assert.equal(await t.store.checkpoint(t.target(0)), 3n);
        await t.store.commit(t.target(1), [change(t.items, 'a', { v: 'again' }, 2n)], 2n);
        assert.equal(await t.store.checkpoint(t.target(1)), 2n);
        assert.equal((await t.store.load(t.target(1), [{ collection: t.items, id: 'a' }])).get(documentKey(t.items, 'a'))?.position, 2n);

        await t.store.drop(t.target(0));
        assert.equal(await t.store.checkpoint(t.target(0)), 0n);
        assert.equal((await t.store.load(t.target(0), [{ collection: t.items, id: 'a' }, { collection: t.notes, id: 'n' }])).size, 0);
        await t.store.commit(t.target(0), [change(t.items, 'd', { v: 'rebuilt' }, 1n)], 1n);
        assert.equal(await t.store.get(t.items, 'a'), null);
        assert.deepEqual(ids((await t.store.find(t.items, { limit: 10 })).items), ['d']);
      });

      test(
        'reading the active generation right after it was dropped finds nothing',
        async (t) => {
          await buildBoth(t);
          await t.store.drop(t.target(0));
          assert.equal(await t.store.get(t.items, 'a'), null);
          assert.deepEqual(await t.store.find(t.items, { limit: 10 }), { items: [], nextCursor: null });
        },
      );
    });

    describe('fencing (projectors taking turns under a lease)', () => {
      /** The store refuses with FencedOffError naming the projection, the token it was given and the highest it has seen. */
      const fencedOff = async (attempt: Promise<unknown>, t: Given, fence: number, highest: number): Promise<void> => {
        await assert.rejects(attempt, (error: unknown) => {
          assert.ok(error instanceof FencedOffError, `refused with ${String(error)}, not FencedOffError`);
          assert.deepEqual([error.projection, error.fence, error.highest], [t.projection, fence, highest]);
          return true;
        });
      };
      const fenced = (t: Given, generation: number, fence: number): ProjectionTarget => ({ projection: t.projection, generation, fence });

      test('a commit carrying a token lower than one claimed since is refused: no document written, no checkpoint moved', async (t) => {
        await t.define();
        await t.store.claimFence(t.projection, 5);
        await t.store.commit(fenced(t, 0, 5), [change(t.items, 'a', { v: 'first holder' }, 1n)], 1n);
        await t.store.claimFence(t.projection, 6);
        // The first holder's lease ran out without it noticing: its next batch must not land, however it is made.
        await fencedOff(
          t.store.commit(fenced(t, 0, 5), [change(t.items, 'a', { v: 'stale' }, 2n), change(t.items, 'b', { v: 'stale' }, 2n), change(t.notes, 'n', { v: 'stale' }, 2n)], 2n),
          t,
          5,
          6,
        );
        await fencedOff(t.store.commit(fenced(t, 0, 5), [], 3n), t, 5, 6);
        assert.deepEqual(await t.store.get(t.items, 'a'), { id: 'a', v: 'first holder' });
        assert.equal(await t.store.get(t.items, 'b'), null);
        assert.equal(await t.store.get(t.notes, 'n'), null);
        assert.equal(await t.store.checkpoint(t.target(0)), 1n);

        await t.store.commit(fenced(t, 0, 6), [change(t.items, 'a', { v: 'second holder' }, 2n)], 2n);
        assert.deepEqual(await t.store.get(t.items, 'a'), { id: 'a', v: 'second holder' });
        assert.equal(await t.store.checkpoint(t.target(0)), 2n);
      });

      test('a commit carrying a higher token than any seen lands and fences off every lower one', async (t) => {
        await t.define();
        await t.store.commit(fenced(t, 0, 3), [change(t.items, 'a', { v: 3 }, 1n)], 1n);
        await t.store.commit(fenced(t, 0, 4), [change(t.items, 'a', { v: 4 }, 2n)], 2n);
        await fencedOff(t.store.commit(fenced(t, 0, 3), [change(t.items, 'a', { v: 'stale' }, 3n)], 3n), t, 3, 4);
        await fencedOff(t.store.claimFence(t.projection, 3), t, 3, 4);
        await t.store.claimFence(t.projection, 4);
        assert.deepEqual(await t.store.get(t.items, 'a'), { id: 'a', v: 4 });
        assert.equal(await t.store.checkpoint(t.target(0)), 2n);
      });

      test('a swap (activate) or a drop carrying a lower token is refused and changes nothing', async (t) => {
        await t.define();
        await t.store.commit(fenced(t, 0, 1), [change(t.items, 'a', { v: 'g0' }, 1n)], 1n);
        // The first holder filled generation 1 beside the live one; then a new holder claimed the projection.
        await t.store.commit(fenced(t, 1, 1), [change(t.items, 'a', { v: 'g1' }, 1n)], 1n);
        await t.store.claimFence(t.projection, 2);
        await fencedOff(t.store.activate(fenced(t, 1, 1)), t, 1, 2);
        await fencedOff(t.store.drop(fenced(t, 0, 1)), t, 1, 2);
        assert.equal(await t.store.activeGeneration(t.projection), 0);
        assert.deepEqual(await t.store.get(t.items, 'a'), { id: 'a', v: 'g0' });
        assert.equal(await t.store.checkpoint(t.target(0)), 1n);

        await t.store.activate(fenced(t, 1, 2));
        assert.equal(await t.store.activeGeneration(t.projection), 1);
        assert.deepEqual(await t.store.get(t.items, 'a'), { id: 'a', v: 'g1' });
        await t.store.drop(fenced(t, 1, 2));
        assert.equal(await t.store.checkpoint(t.target(1)), 0n);
      });

      test('tokens are per projection; writes that carry none (one process, no lease) are not checked', async (t) => {
        await t.define();
        const other = `other_${t.projection}`;
        await t.store.define(other, []);
        await t.store.claimFence(t.projection, 9);
        await t.store.claimFence(other, 1);
        await t.store.commit(fenced(t, 0, 9), [change(t.items, 'a', { v: 9 }, 1n)], 1n);
        await fencedOff(t.store.claimFence(t.projection, 8), t, 8, 9);
        await t.store.commit(t.target(0), [change(t.items, 'a', { v: 'unfenced' }, 2n)], 2n);
        assert.deepEqual(await t.store.get(t.items, 'a'), { id: 'a', v: 'unfenced' });
      });

      test('claims racing on a projection never claimed: the higher token always lands, and fences off the lower', async (t) => {
        await t.define();
        const [lower, higher] = await Promise.allSettled([t.store.claimFence(t.projection, 1), t.store.claimFence(t.projection, 2)]);
        assert.equal(higher.status, 'fulfilled', String((higher as PromiseRejectedResult).reason));
        if (lower.status === 'rejected') assert.ok(lower.reason instanceof FencedOffError, String(lower.reason));
        await fencedOff(t.store.claimFence(t.projection, 1), t, 1, 2);
      });

      test('identity: the same on every call, a non-empty string', async (t) => {
        const first = await t.store.identity();
        assert.equal(typeof first, 'string');
        assert.ok(first.length > 0);
        assert.equal(await t.store.identity(), first);
      });
    });
  });
};
