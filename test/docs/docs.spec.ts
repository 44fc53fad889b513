import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import type { z } from 'zod';
import { ConfigSchema } from '../../src/infrastructure/config/config.js';
import { startPaymentSimulator } from '../../src/infrastructure/payment-gateway/simulator/payment-simulator.js';
import { httpClient } from '../api/api-client.js';
import { documentedRoutes, readRepoFile, ROOT, tables, unquoted } from '../support/http-api-doc.js';
import { startTestPlatform, type TestPlatform } from '../support/http-platform.js';

/**
 * The documentation against what it documents: docs/http-api.md against the served /openapi.json (routes, who,
 * parameters, statuses, both ways), docs/configuration.md against ConfigSchema (variables and defaults, both ways),
 * docs/operations.md's metric families against /metrics and its backup command against a running server, and
 * every link and reference against the repository itself.
 */

const read = readRepoFile;
const DOC_PAGES = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((file) => file.endsWith('.md')).map((file) => `docs/${file}`)];

type Json = any;
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

interface RouteFacts {
  who: string;
  parameters: string[];
  statuses: string[];
}

describe('docs/', function () {
  this.timeout(60_000);

  describe('http-api.md and the served /openapi.json', () => {
    let platform: TestPlatform;
    let served: Map<string, RouteFacts>;
    let documented: Map<string, RouteFacts>;

    before(async () => {
      platform = await startTestPlatform();
      const doc: Json = await (await fetch(`${platform.url}/openapi.json`)).json();
      served = new Map();
      for (const [path, item] of Object.entries(doc.paths as Record<string, Json>))
        for (const [method, op] of Object.entries(item as Record<string, Json>)) {
          if (!METHODS.includes(method)) continue;
          const security = op.security as Record<string, string[]>[];
          const who = security.length === 0 ? 'anyone' : security[0]!.bearerAuth!.includes('admin') ? 'admin' : 'signed-in';
          const parameters = (op.parameters as Json[])
            .map((parameter) => (parameter.$ref ? undefined : parameter))
            .filter((parameter) => parameter && (parameter.in === 'path' || parameter.in === 'query'))
            .map((parameter) => (parameter.in === 'path' ? `{${parameter.name}}` : `?${parameter.name}`));
          served.set(`${method.toUpperCase()} ${path}`, { who, parameters: parameters.sort(), statuses: Object.keys(op.responses).sort() });
        }
      documented = new Map();
      for (const { key, who, parameters, statuses, what } of documentedRoutes()) {
        assert.ok(!documented.has(key), `${key} is documented once`);
        assert.ok(what.length > 0, `${key} says what it is for`);
        documented.set(key, { who, parameters: [...parameters].sort(), statuses: [...statuses].sort() });
      }
    });
    after(() => platform.stop());

    it('documents every route the server describes, and no other', () => {
      assert.ok(documented.size > 20, `the tables were read (${documented.size} routes)`);
      assert.deepEqual([...documented.keys()].sort(), [...served.keys()].sort());
    });

    it('says of each route who may call it, its path and query parameters, and every status it answers', () => {
      for (const [key, facts] of served) assert.deepEqual(documented.get(key), facts, key);
    });

    it('documents the payment simulator routes it serves', async () => {
      const simulator = await startPaymentSimulator();
      try {
        const rows = tables(read('docs/http-api.md'), ['method', 'simulator path', 'headers', 'body', 'answers']);
        assert.deepEqual(rows.map((row) => `${row.method} ${unquoted(row['simulator path']!)}`).sort(), [
          'GET /health',
          'GET /v1/charges',
          'POST /v1/charges',
          'POST /v1/refunds',
        ]);
        for (const row of rows) {
          const response = await fetch(`${simulator.url}${unquoted(row['simulator path']!)}`, {
            method: row.method,
            ...(row.method === 'POST' ? { headers: { 'Content-Type': 'application/json' }, body: '{}' } : {}),
          });
          assert.notEqual(response.status, 404, `${row.method} ${row['simulator path']} is served`);
          assert.ok(row.answers!.includes(String(response.status)), `${row.method} ${row['simulator path']}: ${response.status} is among the answers documented`);
        }
      } finally {
        await simulator.stop();
      }
    });
  });

  describe('configuration.md and ConfigSchema', () => {
    const shape = ConfigSchema.shape as unknown as Record<string, z.ZodType>;
    const rows = tables(read('docs/configuration.md'), ['variable', 'default', 'meaning']);

    it('lists every variable the code reads, once, and no other', () => {
      const names = rows.map((row) => unquoted(row.variable!));
      assert.equal(new Set(names).size, names.length, 'each variable once');
      assert.deepEqual([...names].sort(), Object.keys(shape).sort());
    });

    it("gives each variable the code's default (– for none) and a meaning", () => {
      for (const row of rows) {
        const name = unquoted(row.variable!);
        const parsed = shape[name]!.safeParse(undefined);
        const fallback = parsed.success && parsed.data !== undefined ? String(parsed.data) : '–';
        assert.equal(unquoted(row.default!), fallback, `${name}'s default`);
        assert.ok(row.meaning!.length > 20, `${name} says what it does`);
      }
    });

    it('names no variable the code does not read, on any page', () => {
      for (const page of DOC_PAGES)
        for (const [, name] of read(page).matchAll(/`([A-Z][A-Z0-9]*_[A-Z0-9_]+)(?:=[^`]*)?`/g))
          assert.ok(name! in shape, `${page} names ${name}, which config.ts does not read`);
    });
  });

  describe('operations.md', () => {
    it('lists every metric family /metrics serves (besides Node’s own), with its type and labels, and no other', async () => {
      const platform = await startTestPlatform();
      try {
        const ada = await platform.registerCustomer('Ada');
        await httpClient(platform.url)('GET', '/api/v1/users/me', { token: ada.token });
        const text = await (await fetch(`${platform.url}/metrics`)).text();
        const served = new Map<string, { type: string; labels: Set<string> }>();
        for (const [, name, type] of text.matchAll(/^# TYPE (ledgerflow_\S+) (\S+)$/gm))
          if (!/^ledgerflow_(process|nodejs)_/.test(name!)) served.set(name!, { type: type!, labels: new Set() });
        for (const [, sample, labels] of text.matchAll(/^(ledgerflow_[a-z_]+)\{([^}]*)\}/gm)) {
          const family = served.get(sample!) ?? served.get(sample!.replace(/_(bucket|sum|count)$/, ''));
          for (const [, label] of labels!.matchAll(/([a-z_]+)="/g)) if (label !== 'le') family?.labels.add(label!);
        }
        const rows = tables(read('docs/operations.md'), ['metric', 'type', 'labels', 'what']);
        assert.deepEqual(rows.map((row) => unquoted(row.metric!)).sort(), [...served.keys()].sort());
        for (const row of rows) {
          const family = served.get(unquoted(row.metric!))!;
          assert.equal(row.type, family.type, `${row.metric}'s type`);
          const labels = row.labels!.split(',').map((label) => unquoted(label.trim())).filter(Boolean);
          if (family.labels.size > 0) assert.deepEqual(labels.sort(), [...family.labels].sort(), `${row.metric}'s labels`);
        }
      } finally {
        await platform.stop();
      }
    });

    it('gives a backup command that copies a running server’s files, from which a server starts with the same data', async () => {
      const page = read('docs/operations.md');
      const block = /<!-- backup-command[^>]*-->\s*```sh\n([\s\S]*?)```/.exec(page)?.[1];
      assert.ok(block, 'the backup command is marked');
      const dataDir = mkdtempSync(join(tmpdir(), 'ledgerflow-docs-data-'));
      const backupDir = join(mkdtempSync(join(tmpdir(), 'ledgerflow-docs-backup-')), 'copy');
      const embedded = { EVENTSTORE_URL: '', DATA_DIR: dataDir };
      const platform = await startTestPlatform(embedded);
      let restored: TestPlatform | undefined;
      try {
        const ada = await platform.registerCustomer('Ada');
        const args = './data "./backups/$(date +%Y%m%d-%H%M%S)"';
        assert.ok(block.includes(args), 'the command ends with where from and where to');
        execFileSync('bash', ['-c', block.replace(args, `'${dataDir}' '${backupDir}'`)], { cwd: ROOT, stdio: 'pipe' });
        for (const file of ['events.sqlite', 'read-models.sqlite', 'edge.sqlite', 'jwt-keys.json']) assert.ok(existsSync(join(backupDir, file)), `${file} is backed up`);
        const count = (dir: string) => {
          const db = new Database(join(dir, 'events.sqlite'), { readonly: true });
          try {
            return (db.prepare('SELECT count(*) AS count FROM events').get() as { count: number }).count;
          } finally {
            db.close();
          }
        };
        assert.ok(count(backupDir) > 0);
        assert.equal(count(backupDir), count(dataDir), 'every event is in the copy');

        restored = await startTestPlatform({ ...embedded, DATA_DIR: backupDir });
        const me = await httpClient(restored.url)('GET', '/api/v1/users/me', { token: ada.token });
        assert.equal(me.status, 200, 'the signing key and the user came back');
        assert.equal(me.body.email, ada.email);
      } finally {
        await restored?.stop();
        await platform.stop();
        rmSync(dataDir, { recursive: true, force: true });
        rmSync(dirname(backupDir), { recursive: true, force: true });
      }
    });
  });

  describe('links and references', () => {
    /** GitHub's anchor for a heading. */
    const slug = (heading: string) =>
      heading
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s-]/gu, '')
        .trim()
        .replace(/\s/g, '-');
    const anchors = (path: string) => new Set([...read(path).matchAll(/^#{1,6} (.+)$/gm)].map(([, heading]) => slug(heading!)));

    it('every relative link of the pages leads to a file of the repository (and a heading of it)', () => {
      for (const page of DOC_PAGES)
        for (const [, target] of read(page).matchAll(/\]\(([^)\s]+)\)/g)) {
          if (/^[a-z]+:/.test(target!)) continue;
          const [file, anchor] = target!.split('#') as [string, string | undefined];
          const path = file === '' ? page : join(dirname(page), file);
          assert.ok(existsSync(join(ROOT, path)), `${page} links to ${target}, which is not there`);
          if (anchor && path.endsWith('.md')) assert.ok(anchors(path).has(anchor), `${page} links to #${anchor}, no heading of ${path}`);
        }
    });

    it('no file of the repository refers to documents outside it', () => {
      const outside = ['..', 'shared', ''].join('/');
      const contract = ['API', 'md'].join('.');
      // The domain's own shared kernel (src/domain/shared) is inside: its imports are not references outside.
      const kernelImport = /from '\.\.\/shared\/[a-z-]+\.js'/;
      const files = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
      const found: string[] = [];
      for (const file of files) {
        if (file === 'package-lock.json' || !existsSync(join(ROOT, file)) || /\.(png|jpe?g|gif|ico|sqlite|gz|zip)$/.test(file)) continue;
        read(file)
          .split('\n')
          .forEach((line, index) => {
            if ((line.includes(outside) && !kernelImport.test(line)) || line.includes(contract)) found.push(`${file}:${index + 1}: ${line.trim()}`);
          });
      }
      assert.deepEqual(found, []);
    });
  });
});
