import { z } from 'zod';
import { ListQuery, Money, plainText } from './common.js';

export const CreateProductBody = z.strictObject({
  sku: plainText().trim().min(1).max(64),
  name: plainText().trim().min(1).max(200),
  description: z.string().max(5000).optional(),
  price: Money,
  initialStock: z.number().int().min(0).max(1_000_000_000),
});

export const ChangePriceBody = z.strictObject({ price: Money });

export const AdjustStockBody = z.strictObject({
  delta: z
    .number()
    .int()
    .min(-1_000_000_000)
    .max(1_000_000_000)
    .refine((delta) => delta !== 0, 'must not be zero')
    .meta({ not: { const: 0 }, description: 'a non-zero integer: what is added to (or, negative, taken from) the stock on hand' }),
  reason: z.string().trim().min(1).max(500),
});

export const ProductListQuery = ListQuery.extend({ q: z.string().max(200).optional() });

export const ProductResponse = z.object({
  id: z.string(),
  sku: z.string(),
  name: z.string(),
  description: z.string(),
  price: Money,
  stock: z.object({ onHand: z.number().int(), reserved: z.number().int(), available: z.number().int() }),
  createdBy: z.object({ id: z.string(), name: z.string() }).nullable(),
  version: z.number().int(),
});
