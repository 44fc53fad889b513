import type { RecordedEvent } from '../../application/ports/event-store.js';
import type { ReadDocument } from '../../application/ports/read-store.js';
import type { ProductView } from '../../application/products/product-view.js';
import type { ProductEvent } from '../../domain/products/events.js';
import type { DocumentProjection, Projection } from '../projection.js';

/** The product as the API shows it, plus when it was created (the list's order). */
export type ProductDocument = ProductView & ReadDocument & { createdAt: string };

type Recorded = RecordedEvent & ProductEvent;

const withStock = (product: ProductDocument, onHand: number, reserved: number, event: Recorded): ProductDocument => ({
  ...product,
  stock: { onHand, reserved, available: onHand - reserved },
  version: Number(event.revision),
});

export const productDocuments: DocumentProjection<Recorded> = {
  collection: 'products',
  eventTypes: [
    'ProductCreated',
    'ProductPriceChanged',
    'StockAdjusted',
    'StockReserved',
    'StockReservationCommitted',
    'StockReservationReleased',
    'StockReturned',
    'StockReservationRejected',
  ],
  documentIds: (event) => [event.data.productId],
  evolve(document, event) {
    if (event.type === 'ProductCreated') {
      const { productId, sku, name, description, price, initialStock, createdBy } = event.data;
      const created: ProductDocument = {
        id: productId,
        sku,
        name,
        description,
        price,
        stock: { onHand: initialStock, reserved: 0, available: initialStock },
        createdBy,
        createdAt: event.recordedAt.toISOString(),
        version: Number(event.revision),
      };
      return created;
    }
    if (document === null) return null;
    const product = document as ProductDocument;
    const { onHand, reserved } = product.stock;
    switch (event.type) {
      case 'ProductPriceChanged':
        return { ...product, price: event.data.price, version: Number(event.revision) };
      case 'StockAdjusted':
        return withStock(product, onHand + event.data.delta, reserved, event);
      case 'StockReserved':
        return withStock(product, onHand, reserved + event.data.quantity, event);
      case 'StockReservationCommitted':
        return withStock(product, onHand - event.data.quantity, reserved - event.data.quantity, event);
      case 'StockReservationReleased':
        return withStock(product, onHand, reserved - event.data.quantity, event);
      case 'StockReturned':
        return withStock(product, onHand + event.data.quantity, reserved, event);
      case 'StockReservationRejected':
        return { ...product, version: Number(event.revision) };
    }
  },
};

export const productsProjection: Projection = {
  name: 'products',
  collections: [{ name: 'products', indexes: ['sku', 'name', 'createdAt'] }],
  documents: [productDocuments],
};
