import type { RequestHandler, Router } from 'express';
import { inOneLayer } from './middleware/in-one-layer.js';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

interface RouteEntry {
  /** undefined: middleware for every route of the table (`use`). */
  method: Method | undefined;
  path: string;
  handlers: RequestHandler[];
  /** A POST whose answer is a secret (an access token): nothing is put in front of its handler. */
  secret?: boolean;
}

export interface MountOptions {
  /**
   * Put in front of the handler of every POST but the secret ones, after the route's own guards (who may call it),
   * so that it sees only requests the route accepts from this caller: the Idempotency-Key middleware. Being the
   * route's, it applies whatever the case or trailing slash of the path that reached it.
   */
  beforePost?: RequestHandler;
}

/** One entry of a table as registered: `method` undefined for middleware (`use`) of the paths at or under `path`. */
export interface MountedRoute {
  method: Method | undefined;
  path: string;
  handler: RequestHandler;
}

/**
 * A module's routes, written like an Express router's (`router.get('/:id', ...)`), registered under the module's path
 * by the application (`routeDispatch`), or on an Express router (`mount`). A router mounted at the module's path would
 * cost every request through it a second dispatch (another path parse, prefix trimming and restoring, another walk
 * of layers): about 15 % of the throughput of a single-document GET.
 */
export class RouteTable {
  private readonly entries: RouteEntry[] = [];

  get = (path: string, ...handlers: RequestHandler[]): this => this.add('get', path, handlers);
  post = (path: string, ...handlers: RequestHandler[]): this => this.add('post', path, handlers);
  /** A POST whose answer is a secret (an access token), never to be kept: MountOptions.beforePost is left out. */
  postSecret = (path: string, ...handlers: RequestHandler[]): this => this.add('post', path, handlers, { secret: true });
  put = (path: string, ...handlers: RequestHandler[]): this => this.add('put', path, handlers);
  patch = (path: string, ...handlers: RequestHandler[]): this => this.add('patch', path, handlers);
  delete = (path: string, ...handlers: RequestHandler[]): this => this.add('delete', path, handlers);

  /** Middleware for the routes of this table that come after it (requests under the module's path). */
  use(...handlers: RequestHandler[]): this {
    this.entries.push({ method: undefined, path: '/', handlers });
    return this;
  }

  /** Registers every entry, in order, on `router` under `base` (e.g. `/api/v1/products`), its handlers as one layer. */
  mount(router: Router, base: string, options: MountOptions = {}): void {
    for (const { method, path, handler } of this.routes(base, options)) {
      if (method === undefined) router.use(path, handler);
      else router[method](path, handler);
    }
  }

  /**
   * Every entry under `base`, in order, with the full path and its handlers as one: a route's (with
   * MountOptions.beforePost in front of a POST's last handler), or middleware for the paths at or under `path`.
   */
  routes(base: string, options: MountOptions = {}): MountedRoute[] {
    return this.entries.map(({ method, path, handlers, secret }) => {
      if (method === undefined) return { method, path: base, handler: inOneLayer(...handlers) };
      const full = path === '/' ? base : `${base}${path}`;
      const withIdempotency = method === 'post' && options.beforePost && !secret;
      return { method, path: full, handler: withIdempotency ? inOneLayer(...handlers.slice(0, -1), options.beforePost!, ...handlers.slice(-1)) : inOneLayer(...handlers) };
    });
  }

  /** The methods of each full path this table serves under `base` (HEAD with GET, as Express answers it). */
  methodsByPath(base: string): Map<string, Set<string>> {
    const methods = new Map<string, Set<string>>();
    for (const { method, path } of this.entries) {
      if (method === undefined) continue;
      const full = path === '/' ? base : `${base}${path}`;
      const served = methods.get(full) ?? new Set<string>();
      served.add(method.toUpperCase());
      if (method === 'get') served.add('HEAD');
      methods.set(full, served);
    }
    return methods;
  }

  private add(method: Method, path: string, handlers: RequestHandler[], flags: { secret?: boolean } = {}): this {
    if (!path.startsWith('/')) throw new Error(`route paths start with "/": ${path}`);
    this.entries.push({ method, path, handlers, ...flags });
    return this;
  }
}

export const routeTable = (): RouteTable => new RouteTable();
