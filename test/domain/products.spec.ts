import { productDecider } from '../../src/domain/products/product.js';
import type { ProductEvent } from '../../src/domain/products/events.js';
import { deciderSpec } from '../support/decider-spec.js';

const { given } = deciderSpec(productDecider);
const productId = 'p-1';
const orderId = 'o-1';
const price = { amount: 1250, currency: 'EUR' };

const creation = (initialStock = 10) => ({
  productId, sku: 'SKU-1', name: 'Mug', description: '', price, initialStock, createdBy: 'admin-1',
});
const created = (initialStock = 10): ProductEvent => ({ type: 'ProductCreated', data: creation(initialStock) });
const reserved = (quantity: number, order = orderId): ProductEvent => ({ type: 'StockReserved', data: { productId, orderId: order, quantity } });
const committed = (quantity: number): ProductEvent => ({ type: 'StockReservationCommitted', data: { productId, orderId, quantity } });

describe('product decider', () => {
  describe('CreateProduct', () => {
    const create = { type: 'CreateProduct', data: creation() } as const;
    it('creates a product that does not exist yet', () => given().when(create).then(created()));
    it('decides nothing for a product that exists already', () => given(created()).when(create).thenNothing());
  });

  describe('commands on a missing product', () => {
  // Whether the stream must be new or exist is the command handler's check (`expect`): the decider decides nothing.
    it('decides no price change', () => given().when({ type: 'ChangePrice', data: { price } }).thenNothing());
    it('decides no reservation', () => given().when({ type: 'ReserveStock', data: { orderId, quantity: 1 } }).thenNothing());
  });

  describe('ChangePrice', () => {
    it('records the new price', () =>
      given(created())
        .when({ type: 'ChangePrice', data: { price: { amount: 990, currency: 'EUR' } } })
        .then({ type: 'ProductPriceChanged', data: { productId, price: { amount: 990, currency: 'EUR' } } }));
  });

  describe('AdjustStock', () => {
    it('adds stock', () =>
      given(created(1))
        .when({ type: 'AdjustStock', data: { delta: 5, reason: 'delivery' } })
        .then({ type: 'StockAdjusted', data: { productId, delta: 5, reason: 'delivery' } }));
    it('removes stock down to what is reserved', () =>
      given(created(10), reserved(4))
        .when({ type: 'AdjustStock', data: { delta: -6, reason: 'breakage' } })
        .then({ type: 'StockAdjusted', data: { productId, delta: -6, reason: 'breakage' } }));
    it('refuses to take on-hand below what is reserved', () =>
      given(created(10), reserved(4))
        .when({ type: 'AdjustStock', data: { delta: -7, reason: 'breakage' } })
        .thenRefuses('rule_violated', 'stock_below_reserved'));
  });

  describe('ReserveStock', () => {
    const reserve = (quantity: number) => ({ type: 'ReserveStock', data: { orderId, quantity } }) as const;
    it('reserves what is available', () => given(created(3)).when(reserve(3)).then(reserved(3)));
    it('rejects a reservation larger than what is available', () =>
      given(created(2)).when(reserve(3)).then({
        type: 'StockReservationRejected',
        data: { productId, orderId, quantity: 3, available: 2 },
      }));
    it('counts other orders’ reservations as unavailable', () =>
      given(created(3), reserved(2, 'o-other')).when(reserve(2)).then({
        type: 'StockReservationRejected',
        data: { productId, orderId, quantity: 2, available: 1 },
      }));
    it('ignores a second reservation for the same order', () => given(created(3), reserved(1)).when(reserve(1)).thenNothing());
  });

  describe('CommitReservation', () => {
    const commit = { type: 'CommitReservation', data: { orderId } } as const;
    it('commits a held reservation', () => given(created(3), reserved(2)).when(commit).then(committed(2)));
    it('commits once only', () => given(created(3), reserved(2), committed(2)).when(commit).thenNothing());
    it('does nothing without a reservation', () => given(created(3)).when(commit).thenNothing());
  });

  describe('ReleaseReservation', () => {
    const release = { type: 'ReleaseReservation', data: { orderId } } as const;
    it('releases a held reservation', () =>
      given(created(3), reserved(2)).when(release).then({ type: 'StockReservationReleased', data: { productId, orderId, quantity: 2 } }));
    it('does not release a committed one', () => given(created(3), reserved(2), committed(2)).when(release).thenNothing());
  });

  describe('ReturnStock', () => {
    const giveBack = { type: 'ReturnStock', data: { orderId } } as const;
    it('returns committed stock', () =>
      given(created(3), reserved(2), committed(2)).when(giveBack).then({ type: 'StockReturned', data: { productId, orderId, quantity: 2 } }));
    it('returns it once only', () =>
      given(created(3), reserved(2), committed(2), { type: 'StockReturned', data: { productId, orderId, quantity: 2 } })
        .when(giveBack)
        .thenNothing());
    it('releases a reservation not committed yet, so that a late commit finds nothing', () =>
      given(created(3), reserved(2)).when(giveBack).then({ type: 'StockReservationReleased', data: { productId, orderId, quantity: 2 } }));
    it('does nothing for an order that holds nothing', () => given(created(3)).when(giveBack).thenNothing());
  });
});
