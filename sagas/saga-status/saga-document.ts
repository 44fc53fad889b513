import type { ReadDocument } from '../../src/application/ports/read-store.js';
import type { CancelledWhen, OrderStatus } from '../../src/domain/orders/events.js';
import type { ReservationStatus } from '../../src/domain/products/product.js';
import type { SagaType } from '../reaction.js';

export type SagaStatus = 'running' | 'completed' | 'compensated' | 'failed';
/** `rejected`: the step ran and the answer was no (out of stock, card declined); `failed`: its attempts ran out. */
export type StepStatus = 'pending' | 'retrying' | 'succeeded' | 'rejected' | 'failed';

export interface SagaStep {
  name: string;
  status: StepStatus;
  at: string;
  attempts: number;
  error: string | null;
}

export type ProductReservation = ReservationStatus;

/** What the view keeps of an order to tell whether its saga is done. */
export interface FulfilmentProgress {
  order: OrderStatus;
  cancelledWhen: CancelledWhen | null;
  productIds: string[];
  products: Record<string, ProductReservation>;
  refundDue: boolean;
}

/** The saga-status view's document: the API's answer, plus what the view needs to keep it. */
export interface SagaDocument extends ReadDocument {
  type: SagaType;
  status: SagaStatus;
  startedAt: string;
  updatedAt: string;
  steps: SagaStep[];
  pendingTimeout: { dueAt: string } | null;
  /** Events applied: the view's ETag. */
  version: number;
  /** The correlation id of the event that started the saga, for the work re-derived later. */
  correlationId: string;
  fulfilment: FulfilmentProgress | null;
}

/** What `GET /api/v1/sagas/:id` answers. */
export type SagaView = Pick<SagaDocument, 'id' | 'type' | 'status' | 'startedAt' | 'updatedAt' | 'steps' | 'pendingTimeout'>;

export const sagaViewOf = ({ id, type, status, startedAt, updatedAt, steps, pendingTimeout }: SagaDocument): SagaView => ({
  id,
  type,
  status,
  startedAt,
  updatedAt,
  steps,
  pendingTimeout,
});
