import { z } from 'zod';
import type { ProjectionInfo, ProjectionStatus } from '../../../projections/projection-runner.js';

/**
 * Answers the routes send without validating them through a schema of their own (problems, operations). They exist for the OpenAPI document; the request schemas and most response schemas live in
 * `../schemas/*.ts`, beside the routes that validate with them.
 */

/** RFC 9457, as `problem.ts` writes it (`Problem.toJSON`). */
export const ProblemDocument = z
  .object({
    type: z.url(),
    title: z.string(),
    status: z.number().int().min(400).max(599),
    detail: z.string().optional(),
    errors: z
      .array(
        z.object({
          path: z.string().meta({ description: 'where in the input, dot-separated (e.g. `items.0.quantity`); empty for the request as a whole' }),
          message: z.string().meta({ description: 'what is wrong; for a business rule, its error code' }),
        }),
      )
      .optional(),
  })
  .meta({ description: 'An RFC 9457 problem document, sent as application/problem+json.' });

export const HealthLiveResponse = z.object({ status: z.literal('ok') });

export const HealthReadyResponse = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.array(z.object({ name: z.string(), ok: z.boolean(), detail: z.string().optional() })),
});

/** RFC 7517: the public keys access tokens are signed with (ES256, P-256). */
export const JwksResponse = z.object({
  keys: z.array(
    z.looseObject({
      kty: z.literal('EC'),
      crv: z.literal('P-256'),
      x: z.string(),
      y: z.string(),
      kid: z.string(),
      alg: z.literal('ES256').optional(),
      use: z.literal('sig').optional(),
    }),
  ),
});

const PROJECTION_STATUSES = ['starting', 'catching_up', 'live', 'rebuilding', 'faulted', 'stopped'] as const satisfies readonly ProjectionStatus[];
// Fails to compile when the runner gains a status the document does not list.
const _everyStatusListed: ProjectionStatus extends (typeof PROJECTION_STATUSES)[number] ? true : never = true;
void _everyStatusListed;

const ProjectionInfoSchema = z.object({
  name: z.string(),
  position: z.string().meta({ description: 'the global position of `$all` processed so far (a decimal string)' }),
  lag: z.string().meta({ description: 'head position of `$all` minus `position` (a decimal string)' }),
  status: z.enum(PROJECTION_STATUSES),
  error: z
    .object({ eventId: z.string(), eventType: z.string(), position: z.string(), message: z.string(), attempts: z.number().int() })
    .nullable()
    .meta({ description: 'why the live read model stopped (status `faulted`): the event it could not apply' }),
  rebuild: z
    .object({
      eventsDone: z.number().int().min(0).meta({ description: "events of the projection's types the new generation has taken so far" }),
      eventsTotal: z
        .number()
        .int()
        .min(0)
        .meta({ description: 'events of its types up to the head when the rebuild started (counted first); never below `eventsDone`' }),
      startedAt: z.string().meta({ format: 'date-time', description: 'an ISO 8601 instant, UTC' }),
    })
    .nullable()
    .meta({ description: 'the rebuild beside the live read model while it runs (status `rebuilding`), else null' }),
  lease: z
    .object({
      holder: z.string().nullable().meta({ description: 'the projector holding the lease (host:pid:role:…), or null while none does' }),
      here: z.boolean().meta({ description: 'whether the projector answering holds it (else what it shows is what the holder last reported)' }),
    })
    .nullable()
    .meta({ description: 'who writes the read model where projectors take turns under leases (with Redis); null where one process writes it' }),
});
// Fails to compile when ProjectionInfo changes shape under the document.
const _projectionInfoMatches: ProjectionInfo extends z.infer<typeof ProjectionInfoSchema> ? true : never = true;
void _projectionInfoMatches;

export const ProjectionListResponse = z.object({ items: z.array(ProjectionInfoSchema) });

export const ProjectionResponse = ProjectionInfoSchema;

/** The document itself, loosely: its shape is OpenAPI 3.1's. */
export const OpenApiDocumentResponse = z.looseObject({ openapi: z.literal('3.1.0'), info: z.looseObject({}), paths: z.record(z.string(), z.unknown()) });
