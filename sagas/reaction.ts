import { nameBasedIds } from '../src/application/ids.js';
import type { MarketCommand } from '../src/domain/markets/commands.js';
import type { OrderCommand } from '../src/domain/orders/commands.js';
import type { ProductCommand } from '../src/domain/products/commands.js';
import type { Money } from '../src/domain/shared/money.js';

export const SAGA_TYPES = ['order-fulfilment', 'market-settlement'] as const;
export type SagaType = (typeof SAGA_TYPES)[number];

/** Which saga a reaction belongs to, and which of its steps it is: unique within the saga (`reserve-stock:<productId>`). */
export interface StepOf {
  saga: SagaType;
  /** The order's or the market's id. */
  sagaId: string;
  step: string;
  /** Runs no earlier than this instant (a timeout). */
  dueAt?: string;
  /** The saga's first step: it waits while steps of sagas under way are ready, so that work begun is finished first. */
  opening?: true;
}

/** What a saga does in answer to an event: a command on an aggregate, or a call to the payment gateway and the note of its answer. */
export type Reaction = StepOf &
  (
    | { kind: 'order'; orderId: string; command: OrderCommand }
    | { kind: 'product'; productId: string; command: ProductCommand }
    | { kind: 'market'; marketId: string; command: MarketCommand }
    | { kind: 'charge'; orderId: string; amount: Money; token: string }
    /** The payment deadline: the order notes the capture the gateway holds for it, or else that it timed out. */
    | { kind: 'payment-deadline'; orderId: string }
    | { kind: 'refund'; orderId: string; chargeId: string }
  );

/** The reactions that call the payment gateway, whose calls may hang for as long as the client waits. */
export const callsTheGateway = (reaction: Reaction): boolean =>
  reaction.kind === 'charge' || reaction.kind === 'payment-deadline' || reaction.kind === 'refund';

const stepId = nameBasedIds('6d1f4b8e-58c5-4d1e-9d3a-6c1b0f6a2e10');

/**
 * The id of the `index`-th event a step appends (`outcome` tells apart the commands of one step, e.g. the charge and
 * the note of its result). Derived from the saga and the step, which the causing event fixes, so a redelivered,
 * re-run or re-derived reaction appends the very events it appended before, and the store recognises them.
 */
export const stepEventId = (reaction: StepOf, index: number, outcome = ''): string =>
  stepId(`${reaction.saga}/${reaction.sagaId}/${reaction.step}${outcome === '' ? '' : `/${outcome}`}/${index}`);

/** The job that runs a reaction: saga, step and causing event, so a redelivery of the same event is one job. */
export const jobIdOf = (reaction: StepOf, causeId: string): string => `${reaction.saga}.${reaction.sagaId}.${reaction.step}.${causeId}`;
