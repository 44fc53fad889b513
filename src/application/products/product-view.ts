import type { Product } from '../../domain/products/product.js';
import { available } from '../../domain/products/product.js';

/** A product as the API shows it, before `createdBy` is enriched with the creator's name. */
export interface ProductView {
  id: string;
  sku: string;
  name: string;
  description: string;
  price: { amount: number; currency: string };
  stock: { onHand: number; reserved: number; available: number };
  createdBy: string;
  version: number;
}

export const productViewOf = (product: Product, revision: bigint): ProductView => ({
  id: product.productId,
  sku: product.sku,
  name: product.name,
  description: product.description,
  price: product.price,
  stock: { onHand: product.onHand, reserved: product.reserved, available: available(product) },
  createdBy: product.createdBy,
  version: Number(revision),
});
