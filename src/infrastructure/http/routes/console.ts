import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Response } from 'express';
import type { HttpModule } from '../app.js';
import { notFoundProblem } from '../problem.js';
import { endpointRoutes } from '../endpoint-routes.js';
import { getConsole } from '../endpoints/operations-endpoints.js';
import type { RouteTable } from '../route-table.js';

/**
 * The page's own policy: everything from this origin, nothing inline (no inline script or style, no eval), no
 * framing. The console is written to work under it, so it works under any stricter server-wide policy too.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** The folder `console/` at the root of the package, from the sources (src/…) or the compiled code (dist/src/…). */
const consoleDir = (): string => {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'console', 'index.html')) && existsSync(join(dir, 'package.json'))) return join(dir, 'console');
    if (dirname(dir) === dir) throw new Error('the console/ folder (the operations console) is missing from the package');
  }
};

/** Every file under `dir`, by its path relative to it with `/` separators. */
const filesUnder = (dir: string): Map<string, string> => {
  const files = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true }))
    if (entry.isFile()) {
      const path = join(entry.parentPath, entry.name);
      files.set(relative(dir, path).split(sep).join('/'), path);
    }
  return files;
};

/** Preact and htm as the ES modules they ship, from node_modules: the page imports them by these names. */
const vendorFiles = (): Map<string, string> => {
  const require = createRequire(import.meta.url);
  return new Map([
    ['vendor/preact.mjs', require.resolve('preact')],
    ['vendor/htm.mjs', join(dirname(require.resolve('htm')), 'htm.mjs')],
  ]);
};

const send = (res: Response, file: string): Promise<void> =>
  new Promise((resolve, reject) => {
    res.setHeader('Content-Security-Policy', CONSOLE_CSP);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    // Revalidated every time (ETag, Last-Modified): an upgraded server never runs an old page against a new API.
    res.sendFile(file, { cacheControl: false, headers: { 'Cache-Control': 'no-cache' } }, (error) =>
      // An answer already under way when the client went away has nothing left to say.
      error && !res.headersSent ? reject(error) : resolve(),
    );
  });

/**
 * `GET /console`: the operations console, a page of static files served by the platform itself (no build step,
 * nothing fetched from elsewhere). The page asks for an admin sign-in and then calls the API of its own origin.
 */
export const consoleRoutes = (): RouteTable => {
  const dir = consoleDir();
  const assets = new Map([...filesUnder(join(dir, 'assets')), ...vendorFiles()]);
  const router = endpointRoutes('/console', [getConsole], { sendPage: (res: Response) => send(res, join(dir, 'index.html')) });
  router.get('/assets/*path', (req, res) => {
    const path = ([] as string[]).concat((req.params as { path?: string | string[] }).path ?? []).join('/');
    const file = assets.get(path);
    if (file === undefined) throw notFoundProblem(`the console has no file ${path}`);
    return send(res, file);
  });
  return router;
};

/** Served before authentication, by every role that serves HTTP (the page signs in itself). */
export const consoleModule = (): HttpModule => ({ path: '/console', router: consoleRoutes() });
