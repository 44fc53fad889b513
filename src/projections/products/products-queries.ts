import type { FindQuery, Page, ReadStore } from '../../application/ports/read-store.js';
import { readerOf } from '../projection.js';
import { type ProductDocument, productDocuments } from './products-projection.js';

/** A product as the API shows it, before `createdBy` is enriched with the creator's name: a document has `createdAt` too. */
export type ProductView = Omit<ProductDocument, 'createdAt'>;

const products = readerOf(productDocuments);

/** The document as the read model holds it (a caching store hands out one frozen object until it changes). */
export const productById = (store: ReadStore, productId: string): Promise<ProductDocument | null> => products.get(store, productId);

/** In the order created; `q` matches name or sku. */
export const listProducts = (
  store: ReadStore,
  query: { q?: string | undefined; limit: number; cursor?: string | undefined },
): Promise<Page<ProductDocument>> => {
  const find: FindQuery = { limit: query.limit, cursor: query.cursor, orderBy: 'createdAt' };
  if (query.q) find.search = { fields: ['name', 'sku'], text: query.q };
  return products.find(store, find);
};
