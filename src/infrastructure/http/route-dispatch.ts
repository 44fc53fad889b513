import type { Request, RequestHandler } from 'express';
import FindMyWay from 'find-my-way';
import { inOneLayer } from './middleware/in-one-layer.js';
import { isAtOrUnder } from './path-prefix.js';
import type { MountedRoute, MountOptions, RouteTable } from './route-table.js';

/** Where a table's routes live: a module's path and its routes. */
export interface RoutedModule {
  path: string;
  router: RouteTable;
}

interface Target {
  handler: RequestHandler;
  /** What `req.route` says of the route that answered (its template, as Express's router says it). */
  route: { path: string };
}

export interface RouteDispatch {
  /** Finds the request's route and runs it; calls `next` when no route serves the method and path. */
  handler: RequestHandler;
  /** The tables' middleware, in order, for the application's router: they still see paths that no route serves. */
  unmatched: readonly MountedRoute[];
}

const ignored = (): void => undefined;

/**
 * Every route of the modules in one radix tree (find-my-way), looked up by a single layer of the application
 * instead of a router layer per route walked in order: a GET of one document paid about a tenth of its time to
 * walk and dispatch the routes registered before its own. Paths match as Express's router matches them: in any case,
 * with or without a trailing slash, parameters decoded and never empty; HEAD as GET; the first route registered for
 * a method and path is the one. A table's middleware (`use`) runs in front of every route after it at or under its
 * path, as in the router, and stays a layer of the application for the paths no route serves.
 */
export const routeDispatch = (modules: readonly RoutedModule[], options: MountOptions = {}): RouteDispatch => {
  // No limit on a parameter's length (Node's limit on the request line comes first): a path Express would route must
  // reach its route, whose own checks answer, rather than fall through to the 405 of a path that is served.
  const tree = FindMyWay({ caseSensitive: false, ignoreTrailingSlash: true, maxParamLength: Number.MAX_SAFE_INTEGER });
  const uses: MountedRoute[] = [];
  for (const module of modules)
    for (const route of module.router.routes(module.path, options)) {
      if (route.method === undefined) {
        uses.push(route);
        continue;
      }
      const asked = route.path.toLowerCase();
      const before = uses.filter((use) => isAtOrUnder(asked, use.path.toLowerCase().replace(/\/$/, '')));
      const target: Target = { handler: inOneLayer(...before.map((use) => use.handler), route.handler), route: { path: route.path } };
      const methods: FindMyWay.HTTPMethod[] = route.method === 'get' ? ['GET', 'HEAD'] : [route.method.toUpperCase() as FindMyWay.HTTPMethod];
      for (const method of methods) if (!tree.hasRoute(method, route.path)) tree.on(method, route.path, ignored, target);
    }
  return {
    handler: (req, res, next) => {
      const found = tree.find(req.method as FindMyWay.HTTPMethod, req.path);
      if (found === null) return next();
      const params = found.params as Record<string, string>;
      for (const name in params) if (params[name] === '') return next();
      const { handler, route } = found.store as Target;
      req.params = params;
      (req as Request & { route: Target['route'] }).route = route;
      return handler(req, res, next);
    },
    unmatched: uses,
  };
};
