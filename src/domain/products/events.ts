import { z } from 'zod';
import type { EventsOf } from '../shared/decider.js';
import { Money } from '../shared/money.js';

export const ProductCreated = z.object({
  productId: z.string(),
  sku: z.string(),
  name: z.string(),
  description: z.string(),
  price: Money,
  initialStock: z.number().int().min(0),
  createdBy: z.string(),
});
export const ProductPriceChanged = z.object({ productId: z.string(), price: Money });
export const StockAdjusted = z.object({ productId: z.string(), delta: z.number().int(), reason: z.string() });
export const StockReserved = z.object({ productId: z.string(), orderId: z.string(), quantity: z.number().int().positive() });
export const StockReservationRejected = z.object({
  productId: z.string(),
  orderId: z.string(),
  quantity: z.number().int().positive(),
  available: z.number().int(),
});
export const StockReservationCommitted = z.object({ productId: z.string(), orderId: z.string(), quantity: z.number().int() });
export const StockReservationReleased = z.object({ productId: z.string(), orderId: z.string(), quantity: z.number().int() });
export const StockReturned = z.object({ productId: z.string(), orderId: z.string(), quantity: z.number().int() });

export const productEventSchemas = {
  ProductCreated,
  ProductPriceChanged,
  StockAdjusted,
  StockReserved,
  StockReservationRejected,
  StockReservationCommitted,
  StockReservationReleased,
  StockReturned,
} as const;

export type ProductEvent = EventsOf<typeof productEventSchemas>;
export type ProductEventType = ProductEvent['type'];
