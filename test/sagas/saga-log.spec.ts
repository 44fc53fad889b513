import type { Reaction } from '../../sagas/reaction.js';
import type { SagaEvent } from '../../sagas/saga-log/events.js';
import { sagaLogDecider } from '../../sagas/saga-log/saga-log.js';
import { deciderSpec } from '../support/decider-spec.js';

const { given } = deciderSpec(sagaLogDecider);
const sagaId = 'o-1';
const step = 'charge-payment';
const reaction: Reaction = { saga: 'order-fulfilment', sagaId, step, kind: 'charge', orderId: sagaId, amount: { amount: 2500, currency: 'EUR' }, token: 'tok_visa' };
const failed = (attempt: number): SagaEvent => ({ type: 'SagaStepAttemptFailed', data: { sagaId, sagaType: 'order-fulfilment', step, attempt, error: 'answered 400' } });
const deadLettered: SagaEvent = { type: 'SagaStepDeadLettered', data: { sagaId, sagaType: 'order-fulfilment', step, attempts: 3, error: 'answered 400', reaction } };
const retried: SagaEvent = { type: 'SagaRetried', data: { sagaId, sagaType: 'order-fulfilment', steps: [step], reactions: [reaction], by: 'admin' } };
const noteFailed = { type: 'NoteAttemptFailed' as const, data: { sagaId, sagaType: 'order-fulfilment' as const, step, attempt: 2, error: 'answered 400' } };

describe('saga log', () => {
  it('records a failed attempt of a step', () => given(failed(1)).when(noteFailed).then(failed(2)));

  it('records nothing of a failed attempt of a step already dead-lettered (another job of the same step): the step stays failed', () =>
    given(failed(1), deadLettered).when(noteFailed).thenNothing());

  it('records the failed attempts of a dead-lettered step once an admin has retried it', () => given(failed(1), deadLettered, retried).when(noteFailed).then(failed(2)));
});
