import type { Response } from 'express';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { type JsonText, ok } from '../answer.js';
import { endpoint, named, tag } from '../endpoint.js';

const Operations = tag('Operations', 'Health, metrics, this document and the operations console.');

/** One thing readiness waits for: the event store answers, the projections have caught up, a role answers. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<{ ok: boolean; detail?: string }>;
}

const HealthLiveResponse = named('HealthLive', z.object({ status: z.literal('ok') }));

const HealthReadyResponse = named(
  'HealthReady',
  z.object({
    status: z.enum(['ready', 'not_ready']),
    checks: z.array(z.object({ name: z.string(), ok: z.boolean(), detail: z.string().optional() })),
  }),
);

/** The document itself, loosely: its shape is OpenAPI 3.1's. */
const OpenApiDocumentResponse = z.looseObject({ openapi: z.literal('3.1.0'), info: z.looseObject({}), paths: z.record(z.string(), z.unknown()) });

export const getLiveness = endpoint({
  operationId: 'getLiveness',
  method: 'get',
  path: '/health/live',
  summary: 'Liveness: 200 as soon as the process serves',
  tags: [Operations],
  who: 'anyone',
  responses: { 200: { description: 'Alive.', schema: HealthLiveResponse } },
  handle: () => () => ok({ status: 'ok' }),
});

export const getReadiness = endpoint({
  operationId: 'getReadiness',
  method: 'get',
  path: '/health/ready',
  summary: 'Readiness: every dependency answers and every projection has caught up once since boot',
  tags: [Operations],
  who: 'anyone',
  responses: {
    200: { description: 'Ready.', schema: HealthReadyResponse },
    503: { description: 'Not ready; the failing checks.', schema: HealthReadyResponse, headers: ['Retry-After'] },
  },
  handle:
    ({ checks }: { checks: readonly ReadinessCheck[] }) =>
    async () => {
      const results = await Promise.all(
        checks.map(async ({ name, check }) => {
          try {
            return { name, ...(await check()) };
          } catch (error) {
            return { name, ok: false, detail: error instanceof Error ? error.message : String(error) };
          }
        }),
      );
      const ready = results.every((result) => result.ok);
      const body = { status: ready ? 'ready' : 'not_ready', checks: results };
      return ready ? ok(body) : { status: 503, body, headers: { 'Retry-After': '1' } };
    },
});

/** Liveness answers as soon as the process serves; readiness only when every check passes. */
export const healthEndpoints = [getLiveness, getReadiness];

export const getMetrics = endpoint({
  operationId: 'getMetrics',
  method: 'get',
  path: '/metrics',
  summary: 'Prometheus metrics',
  tags: [Operations],
  who: 'anyone',
  responses: {
    200: { description: 'Prometheus text exposition format.', schema: z.string(), contentType: 'text/plain; version=0.0.4; charset=utf-8' },
  },
  handle:
    ({ registry, refresh }: { registry: Registry; refresh?: () => Promise<void> }) =>
    async ({ res }) => {
      await refresh?.();
      res.type(registry.contentType).send(await registry.metrics());
    },
});

export const getOpenApiDocument = endpoint({
  operationId: 'getOpenApiDocument',
  method: 'get',
  path: '/openapi.json',
  summary: 'This document',
  tags: [Operations],
  who: 'anyone',
  responses: { 200: { description: 'The OpenAPI 3.1 document of every route.', schema: OpenApiDocumentResponse } },
  handle:
    ({ document }: { document: () => JsonText }) =>
    () => ({ status: 200, body: document(), headers: { 'Cache-Control': 'public, max-age=300' } }),
});

export const getConsole = endpoint({
  operationId: 'getConsole',
  method: 'get',
  path: '/console',
  summary: 'The operations console: an HTML page on which an admin signs in',
  description:
    'Sagas and their steps, dead letters, projections and their rebuilds, the event browser and time travel, on the admin routes above. Every role serves the page and its files (under `/console/assets/`), with a Content-Security-Policy of their own.',
  tags: [Operations],
  who: 'anyone',
  responses: { 200: { description: 'The page.', schema: z.string(), contentType: 'text/html; charset=utf-8' } },
  handle:
    ({ sendPage }: { sendPage: (res: Response) => Promise<void> }) =>
    ({ res }) =>
      sendPage(res),
});

/** What every role serves besides its modules' endpoints (the OpenAPI document is the users API's module). */
export const platformEndpoints = [...healthEndpoints, getMetrics, getConsole];
