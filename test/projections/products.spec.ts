import type { ProductEvent } from '../../src/domain/products/events.js';
import { productsProjection } from '../../src/projections/products/products-projection.js';
import { projectionSpec, RECORDED_AT, recorder } from '../support/projection-spec.js';

const { given } = projectionSpec(productsProjection);
const productId = 'p-1';
const price = { amount: 1250, currency: 'EUR' };

const productEvents = () => {
  const at = recorder<ProductEvent>((event) => `product-${event.data.productId}`);
  return {
    created: at({
      type: 'ProductCreated',
      data: { productId, sku: 'MUG-1', name: 'Mug', description: 'white', price, initialStock: 10, createdBy: 'admin-1' },
    }),
    next: at,
  };
};

const document = (overrides: Record<string, unknown> = {}) => ({
  id: productId,
  sku: 'MUG-1',
  name: 'Mug',
  description: 'white',
  price,
  stock: { onHand: 10, reserved: 0, available: 10 },
  createdBy: 'admin-1',
  createdAt: RECORDED_AT.toISOString(),
  version: 0,
  ...overrides,
});

describe('products projection', () => {
  it('creates the product document with its stock', () => {
    const { created } = productEvents();
    return given().when(created).then({ products: { [productId]: document() } });
  });

  it('follows a price change', () => {
    const { created, next } = productEvents();
    const changed = next({ type: 'ProductPriceChanged', data: { productId, price: { amount: 990, currency: 'EUR' } } });
    return given(created).when(changed).then({ products: { [productId]: document({ price: { amount: 990, currency: 'EUR' }, version: 1 }) } });
  });

  it('tracks reservations, commits, releases and returns in the stock', () => {
    const { created, next } = productEvents();
    const reserved = next({ type: 'StockReserved', data: { productId, orderId: 'o-1', quantity: 3 } });
    const reservedOther = next({ type: 'StockReserved', data: { productId, orderId: 'o-2', quantity: 2 } });
    const committed = next({ type: 'StockReservationCommitted', data: { productId, orderId: 'o-1', quantity: 3 } });
    const released = next({ type: 'StockReservationReleased', data: { productId, orderId: 'o-2', quantity: 2 } });
    const returned = next({ type: 'StockReturned', data: { productId, orderId: 'o-1', quantity: 3 } });
    return given(created, reserved, reservedOther, committed, released)
      .when(returned)
      .then({ products: { [productId]: document({ stock: { onHand: 10, reserved: 0, available: 10 }, version: 5 }) } });
  });

  it('applies a stock adjustment', () => {
    const { created, next } = productEvents();
    const adjusted = next({ type: 'StockAdjusted', data: { productId, delta: -4, reason: 'breakage' } });
    return given(created).when(adjusted).then({ products: { [productId]: document({ stock: { onHand: 6, reserved: 0, available: 6 }, version: 1 }) } });
  });

  it('changes nothing when the same event is delivered twice', () => {
    const { created, next } = productEvents();
    const adjusted = next({ type: 'StockAdjusted', data: { productId, delta: 5, reason: 'delivery' } });
    return given(created, adjusted).when(adjusted).then({ products: { [productId]: document({ stock: { onHand: 15, reserved: 0, available: 15 }, version: 1 }) } });
  });

  it('ignores events for a product it never saw created', () => {
    const { next } = productEvents();
    return given().when(next({ type: 'StockAdjusted', data: { productId, delta: 5, reason: 'delivery' } })).then({ products: { [productId]: null } });
  });
});
