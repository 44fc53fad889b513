import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { DocumentCache } from '../../src/infrastructure/read-store/document-cache.js';
import { MemoryReadStore } from '../../src/infrastructure/read-store/memory-read-store.js';
import { MongoReadStore } from '../../src/infrastructure/read-store/mongo-read-store.js';
import { SqliteReadStore } from '../../src/infrastructure/read-store/sqlite-read-store.js';
import { readStoreConformance } from './read-store.cases.js';

readStoreConformance('MemoryReadStore', async () => new MemoryReadStore(), { redeliveryGuard: 'per-document', atomicCommit: true });

/** A SQLite read store in a directory of its own, removed when the store is closed. */
const temporarySqliteStore = (): SqliteReadStore => {
  const dir = mkdtempSync(join(tmpdir(), 'ledgerflow-read-store-'));
  const store = new SqliteReadStore(join(dir, 'read-models.db'));
  const close = store.close.bind(store);
  store.close = async () => {
    await close();
    rmSync(dir, { recursive: true, force: true });
  };
  return store;
};

readStoreConformance('SqliteReadStore', async () => temporarySqliteStore(), { redeliveryGuard: 'atomic-checkpoint', atomicCommit: true });

// What the embedded profile runs: the document cache in front of SQLite, as the projecting process and as an API role.
readStoreConformance('DocumentCache over SqliteReadStore (sole writer)', async () => new DocumentCache(temporarySqliteStore(), { otherWriters: false }), {
  redeliveryGuard: 'atomic-checkpoint',
  atomicCommit: true,
});
readStoreConformance('DocumentCache over SqliteReadStore (other writers)', async () => new DocumentCache(temporarySqliteStore(), { otherWriters: true }), {
  redeliveryGuard: 'atomic-checkpoint',
  atomicCommit: true,
});

const mongoUrl = process.env.MONGODB_URL ?? '';
/** One database per run (cases use names of their own inside it), dropped when the suite ends. */
const mongoDb = `ledgerflow_test_${randomBytes(6).toString('hex')}`;

const mongoPending = /^mongodb(\+srv)?:\/\//.test(mongoUrl)
  ? {}
  : { notHere: { needs: 'MONGODB_URL', reason: 'no MongoDB server: set MONGODB_URL (e.g. from .ci/start-ferretdb.sh) to run' } };

// The write guard the server calls for: 'pointwise' on FerretDB 1.x, 'filter' on MongoDB.
readStoreConformance('MongoReadStore', () => MongoReadStore.connect(mongoUrl, mongoDb), {
  redeliveryGuard: 'per-document',
  atomicCommit: false,
  ...mongoPending,
  cleanup: async () => {
    const client = await MongoClient.connect(mongoUrl);
    try {
      await client.db(mongoDb).dropDatabase();
    } finally {
      await client.close();
    }
  },
});

// MongoDB's guard (compare-and-set in the write filter, duplicate-key errors skipped) forced, so that CI, which runs
// FerretDB, tests it too. Correct on FerretDB 1.x but a full scan per write there, hence fewer bulk documents.
readStoreConformance('MongoReadStore (write guard: filter)', () => MongoReadStore.connect(mongoUrl, `${mongoDb}_filter`, { writeGuard: 'filter' }), {
  redeliveryGuard: 'per-document',
  atomicCommit: false,
  ...mongoPending,
  bulkDocuments: 150,
  cleanup: async () => {
    const client = await MongoClient.connect(mongoUrl);
    try {
      await client.db(`${mongoDb}_filter`).dropDatabase();
    } finally {
      await client.close();
    }
  },
});
