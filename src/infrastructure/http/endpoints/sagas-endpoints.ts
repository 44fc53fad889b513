import { z } from 'zod';
import { SAGA_TYPES } from '../../../../sagas/reaction.js';
import { sagaViewOf } from '../../../../sagas/saga-status/saga-document.js';
import type { SagasService } from '../../../application/sagas/sagas-service.js';
import type { AsOf } from '../../../projections/time-travel/as-of.js';
import type { ResourceHistory } from '../../../projections/time-travel/resource-history.js';
import { commandAnswer, ok } from '../answer.js';
import { notFoundAsOf } from '../as-of.js';
import { endpoint, idParam, named, tag } from '../endpoint.js';
import { ListQuery, page } from '../schemas/common.js';

const Sagas = tag('Sagas', "The saga-status view (admin). The id is the order's or the market's id.");

export interface SagasDeps {
  sagas: SagasService;
  history: ResourceHistory;
}

const SagaType = z.enum(SAGA_TYPES);
const SagaStatus = z.enum(['running', 'completed', 'compensated', 'failed']);
const Instant = z.string().meta({ format: 'date-time', description: 'an ISO 8601 instant, UTC' });

const SagaResponse = named(
  'Saga',
  z.object({
    id: z.string().meta({ description: "the order's or market's id" }),
    type: SagaType,
    status: SagaStatus,
    startedAt: Instant,
    updatedAt: Instant,
    steps: z.array(
      z.object({
        name: z.string().meta({ description: 'the step, e.g. `reserve-stock:<productId>`, `charge-payment`, `cancel-order:<reason>`' }),
        status: z.enum(['pending', 'retrying', 'succeeded', 'rejected', 'failed']),
        at: Instant,
        attempts: z.number().int().min(0),
        error: z.string().nullable(),
      }),
    ),
    pendingTimeout: z.object({ dueAt: Instant }).nullable(),
  }),
);

const SagaListQuery = ListQuery.extend({ type: SagaType.optional(), status: SagaStatus.optional() });
const SagaListResponse = named('SagaList', page(SagaResponse));
/** A retry carries no body; anything sent is refused like any unknown field. */
const RetrySagaBody = z.strictObject({});
const SagaRetryResponse = z.object({ id: z.string(), retried: z.array(z.string()) });

const sagaPath = z.object({ id: idParam('saga', "the order's or market's id (a UUID)") });

/** The saga as its view has it, or (`?asOf`) as it stood. */
const sagaOf = async ({ sagas, history }: SagasDeps, id: string, asOf: AsOf | undefined) => {
  if (asOf === undefined) return sagas.get(id);
  const document = await history.saga(id, asOf);
  return document && { saga: sagaViewOf(document), version: document.version };
};

export const getSaga = endpoint({
  operationId: 'getSaga',
  method: 'get',
  path: '/api/v1/sagas/{id}',
  summary: "A saga's status and steps",
  tags: [Sagas],
  who: 'admin',
  params: sagaPath,
  timeTravel: true,
  readModel: 'sagas',
  responses: {
    200: { description: 'The saga.', schema: SagaResponse, headers: ['ETag'] },
    404: { description: 'No saga for this id. With `asOf`: it did not exist then, or never had that revision (yet).' },
  },
  handle: (deps: SagasDeps) => async ({ params: { id }, asOf }) => {
    const found = await sagaOf(deps, id, asOf);
    if (!found) throw notFoundAsOf('saga', asOf);
    return ok(found.saga, found.version);
  },
});

export const listSagas = endpoint({
  operationId: 'listSagas',
  method: 'get',
  path: '/api/v1/sagas',
  summary: 'List sagas',
  tags: [Sagas],
  who: 'admin',
  query: SagaListQuery,
  readModel: 'sagas',
  responses: { 200: { description: 'A page of sagas.', schema: SagaListResponse } },
  handle:
    ({ sagas }: SagasDeps) =>
    async ({ query }) =>
      ok(await sagas.list(query)),
});

export const retrySaga = endpoint({
  operationId: 'retrySaga',
  method: 'post',
  path: '/api/v1/sagas/{id}/retry',
  summary: "Run a saga's failed steps again",
  description: 'A step whose attempts ran out (a dead letter) makes its saga `failed`; this runs every such step again. The body, if any, must be `{}`.',
  tags: [Sagas],
  who: 'admin',
  params: sagaPath,
  body: RetrySagaBody,
  bodyOptional: true,
  responses: {
    202: { description: 'The failed steps run again; `retried` names them.', schema: SagaRetryResponse, headers: ['X-Position'] },
    404: { description: 'No saga for this id.' },
    409: { description: 'No step of this saga has failed.' },
  },
  handle:
    ({ sagas }: SagasDeps) =>
    async ({ params: { id }, context }) => {
      const retried = await sagas.retry(id, context);
      return commandAnswer(202, { id, retried: retried.steps }, { position: retried.position });
    },
});

/** The saga-status view and an admin's retry of dead-lettered steps, in the order they are matched. */
export const sagasEndpoints = [listSagas, getSaga, retrySaga];
