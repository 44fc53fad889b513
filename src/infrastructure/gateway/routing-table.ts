import { type Config, ConfigError, ROLE_URL_VARIABLES, type ServiceRole } from '../config/config.js';
import type { PlatformModule } from '../modules/platform-module.js';
import { isAtOrUnder } from '../http/path-prefix.js';

/** A path the gateway forwards, with everything under it, to the role that serves it. */
export interface GatewayRoute {
  /** e.g. `/api/v1/products`: the path itself and every path below it (`/api/v1/products/…`). */
  path: string;
  role: ServiceRole;
  /** Served before authentication (the JWKS, the OpenAPI document, the console): no request limit applies. */
  public: boolean;
}

/**
 * The operations console is served by every role, not by a module; the gateway asks the users API for it, the role
 * the page's sign-in goes to anyway.
 */
const SERVED_BY_EVERY_ROLE: readonly GatewayRoute[] = [{ path: '/console', role: 'users-api', public: true }];

/** Every path the modules serve, each with the role that serves it (their `serves`), longest path first. */
export const gatewayRoutes = (modules: readonly PlatformModule[]): GatewayRoute[] => {
  const routes = [
    ...modules.flatMap((module) => [
      ...(module.publicRoutes ?? []).map(({ path }) => ({ path, role: module.serves, public: true })),
      ...(module.routes ?? []).map(({ path }) => ({ path, role: module.serves, public: false })),
    ]),
    ...SERVED_BY_EVERY_ROLE,
  ];
  const seen = new Map<string, ServiceRole>();
  for (const { path, role } of routes) {
    const other = seen.get(path);
    if (other !== undefined) throw new Error(`${path} is served by two modules (roles ${other} and ${role}): the gateway cannot route it`);
    seen.set(path, role);
  }
  return routes.sort((a, b) => b.path.length - a.path.length);
};

/** The route a request path falls under, if any: the path itself or a path below it, in any case (as the roles route). */
export const routeOf = (routes: readonly GatewayRoute[], pathname: string): GatewayRoute | undefined => {
  const asked = pathname.toLowerCase();
  return routes.find(({ path }) => isAtOrUnder(asked, path.toLowerCase()));
};

/**
 * The base URL of every role the routes name, from its variable (USERS_API_URL, CATALOG_API_URL, …); a ConfigError
 * naming the first one missing.
 */
export const roleUrls = (config: Config, routes: readonly GatewayRoute[]): Map<ServiceRole, string> => {
  const urls = new Map<ServiceRole, string>();
  for (const { role } of routes) {
    if (urls.has(role)) continue;
    const variable = (ROLE_URL_VARIABLES as Partial<Record<ServiceRole, keyof Config>>)[role];
    if (variable === undefined) throw new Error(`the gateway has no variable for where the ${role} role is`);
    const url = config[variable];
    if (typeof url !== 'string')
      throw new ConfigError(`invalid configuration: ${variable}: SERVICE_ROLE=gateway needs it, the base URL of the ${role} role`);
    urls.set(role, url.replace(/\/+$/, ''));
  }
  return urls;
};
