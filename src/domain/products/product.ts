import { Map as PersistentMap } from 'immutable';
import { type Absent, absent, type Decider } from '../shared/decider.js';
import { ruleViolated } from '../shared/errors.js';
import type { Money } from '../shared/money.js';
import type { ProductCommand } from './commands.js';
import type { ProductEvent } from './events.js';

/** Where an order's reservation of this product stands. */
export type ReservationStatus = 'reserved' | 'committed' | 'released' | 'returned' | 'rejected';

export interface Reservation {
  quantity: number;
  status: ReservationStatus;
}

/** A product in the catalog. */
export interface Product {
  status: 'listed';
  productId: string;
  sku: string;
  name: string;
  description: string;
  createdBy: string;
  price: Money;
  onHand: number;
  reserved: number;
  /**
   * Per order: how much it holds and where that stands, so every inventory command is idempotent per order. Kept for
   * every order the product ever had, so a persistent map: a new state shares all but a few nodes with the last,
   * where copying a Map would make each event cost as much as all the orders before it.
   */
  reservations: PersistentMap<string, Reservation>;
}

export type ProductState = Absent | Product;

export const initialState = (): ProductState => absent();

export const available = (product: Product): number => product.onHand - product.reserved;

const withReservation = (product: Product, orderId: string, quantity: number, status: ReservationStatus) =>
  product.reservations.set(orderId, { quantity, status });

export const decide = (command: ProductCommand, state: ProductState): ProductEvent[] => {
  if (state.status === 'absent') return command.type === 'CreateProduct' ? [{ type: 'ProductCreated', data: command.data }] : [];
  const productId = state.productId;
  switch (command.type) {
    case 'CreateProduct':
      return [];
    case 'ChangePrice':
      return [{ type: 'ProductPriceChanged', data: { productId, price: command.data.price } }];
    case 'AdjustStock': {
      if (state.onHand + command.data.delta < state.reserved)
        throw ruleViolated(
          'stock_below_reserved',
          `on hand would be ${state.onHand + command.data.delta}, below the ${state.reserved} reserved`,
        );
      return [{ type: 'StockAdjusted', data: { productId, ...command.data } }];
    }
    case 'ReserveStock': {
      const { orderId, quantity } = command.data;
      if (state.reservations.has(orderId)) return [];
      if (available(state) < quantity)
        return [{ type: 'StockReservationRejected', data: { productId, orderId, quantity, available: available(state) } }];
      return [{ type: 'StockReserved', data: { productId, orderId, quantity } }];
    }
    case 'CommitReservation': {
      const reservation = state.reservations.get(command.data.orderId);
      if (reservation?.status !== 'reserved') return [];
      return [{ type: 'StockReservationCommitted', data: { productId, orderId: command.data.orderId, quantity: reservation.quantity } }];
    }
    case 'ReleaseReservation': {
      const reservation = state.reservations.get(command.data.orderId);
      if (reservation?.status !== 'reserved') return [];
      return [{ type: 'StockReservationReleased', data: { productId, orderId: command.data.orderId, quantity: reservation.quantity } }];
    }
    case 'ReturnStock': {
      // A cancelled confirmed order gets back whatever it holds: stock not committed yet is released, so that a
      // commit arriving after the cancellation finds nothing to commit.
      const reservation = state.reservations.get(command.data.orderId);
      const data = { productId, orderId: command.data.orderId, quantity: reservation?.quantity ?? 0 };
      if (reservation?.status === 'reserved') return [{ type: 'StockReservationReleased', data }];
      if (reservation?.status !== 'committed') return [];
      return [{ type: 'StockReturned', data }];
    }
  }
};

export const evolve = (state: ProductState, event: ProductEvent): ProductState => {
  if (event.type === 'ProductCreated') {
    const { productId, sku, name, description, createdBy, price, initialStock } = event.data;
    return { status: 'listed', productId, sku, name, description, createdBy, price, onHand: initialStock, reserved: 0, reservations: PersistentMap() };
  }
  if (state.status === 'absent') return state;
  switch (event.type) {
    case 'ProductPriceChanged':
      return { ...state, price: event.data.price };
    case 'StockAdjusted':
      return { ...state, onHand: state.onHand + event.data.delta };
    case 'StockReserved':
      return {
        ...state,
        reserved: state.reserved + event.data.quantity,
        reservations: withReservation(state, event.data.orderId, event.data.quantity, 'reserved'),
      };
    case 'StockReservationRejected':
      return { ...state, reservations: withReservation(state, event.data.orderId, event.data.quantity, 'rejected') };
    case 'StockReservationCommitted':
      return {
        ...state,
        onHand: state.onHand - event.data.quantity,
        reserved: state.reserved - event.data.quantity,
        reservations: withReservation(state, event.data.orderId, event.data.quantity, 'committed'),
      };
    case 'StockReservationReleased':
      return {
        ...state,
        reserved: state.reserved - event.data.quantity,
        reservations: withReservation(state, event.data.orderId, event.data.quantity, 'released'),
      };
    case 'StockReturned':
      return {
        ...state,
        onHand: state.onHand + event.data.quantity,
        reservations: withReservation(state, event.data.orderId, event.data.quantity, 'returned'),
      };
  }
};

export const productDecider: Decider<ProductState, ProductCommand, ProductEvent> = { decide, evolve, initialState };

export const productStream = (productId: string): string => `product-${productId}`;
