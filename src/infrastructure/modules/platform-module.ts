import type { Container } from 'inversify';
import type { Projection } from '../../projections/projection.js';
import type { Config, ServiceRole } from '../config/config.js';
import type { RouteTable } from '../http/route-table.js';

/**
 * Routes under one path, e.g. `/api/v1/products`. The path is known before anything is built (the gateway routes by
 * it); the router is made once the container is.
 */
export interface ModuleRoutes {
  path: string;
  router(container: Container): RouteTable;
}

/**
 * One bounded context's contribution to the platform: its bindings, its projections, its routes.
 * The platform knows contexts only through this shape, so adding one is adding a module to the list.
 */
export interface PlatformModule {
  name: string;
  /** The role (docker-compose service) that serves this module's routes; the all-in-one process serves every one. */
  serves: ServiceRole;
  bind?(container: Container, config: Config): void;
  projections?: readonly Projection[];
  /** Routes that run before authentication and body parsing (e.g. the JWKS document). */
  publicRoutes?: readonly ModuleRoutes[];
  routes?: readonly ModuleRoutes[];
  /** Work to do once everything is bound and the projections run (e.g. ensure the admin account). */
  start?(container: Container): Promise<void>;
  /** Ends the module's long-lived answers (server-sent events) when the server stops, so that it need not wait for them. */
  stopServing?(container: Container): void;
  /** Stops what `start` started, before the stores close. */
  stop?(container: Container): Promise<void>;
}
