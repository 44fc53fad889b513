import { z } from 'zod';
import type { CommandsOf } from '../shared/decider.js';
import { Money } from '../shared/money.js';
import { ProductCreated } from './events.js';

/** A creation asks for exactly what the product's creation records. */
export const CreateProduct = ProductCreated;
export const ChangePrice = z.object({ price: Money });
export const AdjustStock = z.object({ delta: z.number().int(), reason: z.string() });
// Issued by the order-fulfilment saga, per order:
export const ReserveStock = z.object({ orderId: z.string(), quantity: z.number().int().positive() });
export const CommitReservation = z.object({ orderId: z.string() });
export const ReleaseReservation = z.object({ orderId: z.string() });
export const ReturnStock = z.object({ orderId: z.string() });

export const productCommandSchemas = {
  CreateProduct,
  ChangePrice,
  AdjustStock,
  ReserveStock,
  CommitReservation,
  ReleaseReservation,
  ReturnStock,
} as const;

export type CreateProduct = z.infer<typeof CreateProduct>;
export type ChangePrice = z.infer<typeof ChangePrice>;
export type AdjustStock = z.infer<typeof AdjustStock>;
export type ReserveStock = z.infer<typeof ReserveStock>;
export type CommitReservation = z.infer<typeof CommitReservation>;
export type ReleaseReservation = z.infer<typeof ReleaseReservation>;
export type ReturnStock = z.infer<typeof ReturnStock>;
export type ProductCommand = CommandsOf<typeof productCommandSchemas>;
