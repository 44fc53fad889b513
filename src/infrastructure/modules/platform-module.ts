import type { Container } from 'inversify';
import type { z } from 'zod';
import type { Projection } from '../../projections/projection.js';
import type { Config, ServiceRole } from '../config/config.js';
import type { AnyEndpoint } from '../http/endpoint.js';
import { endpointRoutes } from '../http/endpoint-routes.js';
import type { RouteTable } from '../http/route-table.js';
import { TOKENS } from '../container/tokens.js';

/**
 * Endpoints under one path, e.g. `/api/v1/products`. The path and the endpoints are known before anything is built
 * (the gateway routes by the path, the OpenAPI document describes the endpoints); the router is made once the
 * container is.
 */
export interface ModuleRoutes {
  path: string;
  endpoints: readonly AnyEndpoint[];
  router(container: Container): RouteTable;
}

/** The endpoints under `path`, served with what `deps` takes from the container. */
export const moduleRoutes = <Deps>(path: string, endpoints: readonly AnyEndpoint<Deps>[], deps: (container: Container) => Deps): ModuleRoutes => ({
  path,
  endpoints,
  router: (container) =>
    endpointRoutes(path, endpoints, deps(container), endpoints.some((spec) => spec.readModel !== undefined) ? { progress: container.get(TOKENS.ReadModelProgress) } : {}),
});

/** Every endpoint the modules serve, public ones included, module by module. */
export const endpointsOf = (modules: readonly PlatformModule[]): AnyEndpoint[] =>
  modules.flatMap((module) => [...(module.routes ?? []), ...(module.publicRoutes ?? [])].flatMap((routes) => routes.endpoints));

/**
 * One bounded context's contribution to the platform: its bindings, its projections, its routes.
 * The platform knows contexts only through this shape, so adding one is adding a module to the list.
 */
export interface PlatformModule {
  name: string;
  /** The role (docker-compose service) that serves this module's routes; the all-in-one process serves every one. */
  serves: ServiceRole;
  /** The events its aggregates record, by type (the event catalog is every module's). */
  events?: Readonly<Record<string, z.ZodType>>;
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
