import assert from 'node:assert/strict';
import { SERVICE_ROLES } from '../../src/infrastructure/config/config.js';
import { startPlatform } from '../../src/infrastructure/platform.js';
import { startTestPlatform, type TestPlatform } from '../support/http-platform.js';

/** The specifiers of an ES module's static imports and re-exports (`import … from '…'`, `import '…'`) and dynamic imports. */
const importsOf = (source: string): string[] =>
  [...source.matchAll(/(?:^|[;}\s])(?:import|export)\s*(?:[\w*{][^;'"]*?\s*from\s*)?['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]/g)].map(
    ([, specifier, dynamic]) => (specifier ?? dynamic)!,
  );

describe('GET /console: the operations console, served by the platform', function () {
  this.timeout(60_000);
  let platform: TestPlatform;
  before(async () => (platform = await startTestPlatform()));
  after(() => platform.stop());

  it('answers anyone an HTML page under a Content-Security-Policy that allows nothing inline and nothing from elsewhere', async () => {
    const answer = await fetch(`${platform.url}/console`);
    assert.equal(answer.status, 200);
    assert.match(answer.headers.get('Content-Type') ?? '', /^text\/html/);
    const policy = answer.headers.get('Content-Security-Policy') ?? '';
    for (const directive of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"])
      assert.ok(policy.split('; ').includes(directive), `${directive} in ${policy}`);
    assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval|\*|https?:/);
    assert.equal(answer.headers.get('X-Content-Type-Options'), 'nosniff');
    const html = await answer.text();
    assert.match(html, /<title>ledgerflow console<\/title>/);
    // No inline script or style: every script is a file, and no element carries a style attribute.
    for (const [tag] of html.matchAll(/<script\b[^>]*>/g)) assert.match(tag!, /\bsrc="\/console\/assets\//, tag);
    assert.doesNotMatch(html, /<style|\sstyle=|\son[a-z]+=/i);
  });

  it('serves every file the page loads from itself: the stylesheet, its modules and Preact and htm from node_modules', async () => {
    const html = await (await fetch(`${platform.url}/console`)).text();
    const referenced = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map(([, url]) => url!).filter((url) => !url.startsWith('data:'));
    assert.ok(referenced.includes('/console/assets/console.css'));
    const queue = [...referenced];
    const seen = new Set<string>();
    while (queue.length > 0) {
      const path = queue.shift()!;
      if (seen.has(path)) continue;
      seen.add(path);
      assert.ok(path.startsWith('/console/assets/'), `${path} is the console's own`);
      const answer = await fetch(`${platform.url}${path}`);
      assert.equal(answer.status, 200, path);
      const type = answer.headers.get('Content-Type') ?? '';
      const body = await answer.text();
      if (path.endsWith('.css')) {
        assert.match(type, /^text\/css/, path);
        assert.doesNotMatch(body, /@import|url\((?!['"]?data:)/, `${path} loads nothing more`);
        continue;
      }
      assert.match(type, /^text\/javascript/, `${path} is served as JavaScript (module scripts need it)`);
      for (const specifier of importsOf(body)) {
        assert.match(specifier, /^\.{1,2}\//, `${path} imports ${specifier}: relative, not bare or from elsewhere`);
        queue.push(new URL(specifier, `http://console${path}`).pathname);
      }
    }
    assert.ok(seen.has('/console/assets/vendor/preact.mjs') && seen.has('/console/assets/vendor/htm.mjs'), [...seen].join(', '));
    assert.ok(seen.size > 15, `the module graph was walked (${seen.size} files)`);
  });

  it('answers 404 (a problem document) for a file it does not have, and serves nothing outside its folder', async () => {
    for (const path of ['/console/assets/nope.js', '/console/assets/%2e%2e/index.html', '/console/assets/..%2f..%2fpackage.json', '/console/assets/vendor/preact.mjs.map']) {
      const answer = await fetch(`${platform.url}${path}`);
      assert.equal(answer.status, 404, path);
      assert.match(answer.headers.get('Content-Type') ?? '', /^application\/problem\+json/, path);
    }
  });

  it('is served by every role that serves HTTP routes', async () => {
    for (const role of SERVICE_ROLES.filter((candidate) => !['all', 'payment-gateway', 'gateway'].includes(candidate))) {
      const served = await startPlatform({ SERVICE_ROLE: role, EVENTSTORE_URL: 'memory:', PORT: '0', LOG_LEVEL: 'silent' });
      try {
        const answer = await fetch(`${served.url}/console`);
        assert.equal(answer.status, 200, role);
        assert.match(await answer.text(), /<title>ledgerflow console<\/title>/, role);
      } finally {
        await served.stop();
      }
    }
  });
});
