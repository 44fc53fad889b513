import type { Logger } from 'pino';
import { z } from 'zod';
import { RebuildAbandonedError, type ProjectionInfo, type ProjectionStatus } from '../../../projections/projection-runner.js';
import { type ProjectionSupervisor, UnknownProjectionError } from '../../../projections/projection-supervisor.js';
import { ok } from '../answer.js';
import { endpoint, named, tag } from '../endpoint.js';
import { notFoundProblem, serviceUnavailable } from '../problem.js';

const Projections = tag('Projections', 'The read models: where each stands, and rebuilds (admin).');

export interface ProjectionsDeps {
  projections: ProjectionSupervisor;
  logger: Logger;
}

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

const ProjectionResponse = named('Projection', ProjectionInfoSchema);
const ProjectionListResponse = named('ProjectionList', z.object({ items: z.array(ProjectionInfoSchema) }));


const projectionPath = z.object({ name: z.string().min(1).meta({ description: 'the projection, as `GET /api/v1/projections` names it' }) });

const known = (projections: ProjectionSupervisor, name: string): string => {
  if (!projections.names.includes(name)) throw notFoundProblem(`no projection named ${name}`);
  return name;
};

export const listProjections = endpoint({
  operationId: 'listProjections',
  method: 'get',
  path: '/api/v1/projections',
  summary: 'Where each read model stands',
  tags: [Projections],
  who: 'admin',
  responses: { 200: { description: 'Every projection, with the progress of any rebuild.', schema: ProjectionListResponse } },
  handle:
    ({ projections }: ProjectionsDeps) =>
    async () =>
      ok({ items: await projections.info() }),
});

export const getProjection = endpoint({
  operationId: 'getProjection',
  method: 'get',
  path: '/api/v1/projections/{name}',
  summary: 'Where one read model stands (follow a rebuild here)',
  tags: [Projections],
  who: 'admin',
  params: projectionPath,
  responses: { 200: { description: 'The projection.', schema: ProjectionResponse }, 404: { description: 'No projection of this name.' } },
  handle:
    ({ projections }: ProjectionsDeps) =>
    async ({ params: { name } }) =>
      ok(await projections.infoOf(known(projections, name))),
});

/**
 * A rebuild beside the live read model, answered at once (202) with the projection to follow in `Location`. Where
 * projectors take turns under leases, any projector answers: one that does not hold the lease hands the request on.
 */
export const rebuildProjection = endpoint({
  operationId: 'rebuildProjection',
  method: 'post',
  path: '/api/v1/projections/{name}/rebuild',
  summary: 'Rebuild a read model',
  description:
    'The read model is rebuilt beside the live one, which keeps serving, and swapped in once caught up. Asked again while it runs, it joins the running rebuild. Follow it at `Location`. Where projectors take turns under leases (Redis), a projector that does not hold the projection hands the request to the one that does, which starts it at its next lease renewal.',
  tags: [Projections],
  who: 'admin',
  params: projectionPath,
  responses: {
    202: {
      description: 'The rebuild runs (status `rebuilding`), or has been handed to the projector holding the lease (the projection as its holder last reported it); `Location` is the projection.',
      schema: ProjectionResponse,
      headers: ['Location'],
    },
    404: { description: 'No projection of this name.' },
    503: { description: 'The request could not be handed to the projector holding the lease: Redis did not answer.', headers: ['Retry-After'] },
  },
  handle:
    ({ projections, logger }: ProjectionsDeps) =>
    async ({ params }) => {
      const name = known(projections, params.name);
      const { swapped } = await projections.rebuild(name).catch((error: unknown) => {
        logger.warn({ projection: name, err: error }, 'projection rebuild could not be asked for');
        throw serviceUnavailable('the rebuild could not be handed to the projector holding the lease (Redis did not answer); try again');
      });
      if (swapped === undefined) logger.info({ projection: name }, 'projection rebuild handed to the projector holding its lease');
      swapped?.then(
        () => logger.info({ projection: name }, 'projection rebuilt and swapped in'),
        (error: unknown) => {
          if (error instanceof RebuildAbandonedError) logger.warn({ projection: name, reason: error.message }, 'projection rebuild given up');
          else if (!(error instanceof UnknownProjectionError)) logger.error({ projection: name, err: error }, 'projection rebuild failed');
        },
      );
      return { status: 202, body: await projections.infoOf(name), location: `/api/v1/projections/${encodeURIComponent(name)}` };
    },
});

/** The admin view of the read models: where each stands (and how far a rebuild has come), and rebuilds. */
export const projectionsEndpoints = [listProjections, getProjection, rebuildProjection];
