import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `npm ci` installs the lockfile as it is; `npm install` on a fresh clone rewrites it when it lacks something npm
 * records, and a newcomer then starts with a dirty tree. npm records every optional dependency of every package,
 * whatever the platform (msgpackr-extract's prebuilt binaries for darwin, linux, win32 on every cpu): a lockfile
 * written with some of them pruned is completed by the next `npm install`.
 */

interface LockedPackage {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const json = (file: string) => JSON.parse(readFileSync(join(ROOT, file), 'utf8'));

/** Where npm finds `name` for the package installed at `from`: its own node_modules, then each one above it. */
const resolveFrom = (packages: Record<string, LockedPackage>, from: string, name: string): string | undefined => {
  for (let at = from; ; ) {
    const candidate = `${at === '' ? '' : `${at}/`}node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (at === '') return undefined;
    const parent = at.lastIndexOf('/node_modules/');
    at = parent === -1 ? '' : at.slice(0, parent);
  }
};

describe('package-lock.json', () => {
  const lock = json('package-lock.json') as { lockfileVersion: number; packages: Record<string, LockedPackage> };
  const manifest = json('package.json') as LockedPackage;

  it('is npm 7+ (lockfileVersion 3) and locks what package.json asks for', () => {
    assert.equal(lock.lockfileVersion, 3);
    const root = lock.packages['']!;
    assert.deepEqual(root.dependencies, manifest.dependencies);
    assert.deepEqual(root.devDependencies, manifest.devDependencies);
  });

  it('locks every dependency of every locked package, optional ones for other platforms included', () => {
    const missing: string[] = [];
    for (const [path, locked] of Object.entries(lock.packages)) {
      if (path === '' || (locked as { link?: boolean }).link) continue;
      for (const name of Object.keys({ ...locked.dependencies, ...locked.optionalDependencies }))
        if (!resolveFrom(lock.packages, path, name)) missing.push(`${path} → ${name}`);
    }
    assert.deepEqual(missing, [], 'npm install would add these to the lockfile');
  });
});
