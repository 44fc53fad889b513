import type { Money } from '../shared/money.js';

export type ProductCommand =
  | {
      type: 'CreateProduct';
      data: { productId: string; sku: string; name: string; description: string; price: Money; initialStock: number; createdBy: string };
    }
  | { type: 'ChangePrice'; data: { price: Money } }
  | { type: 'AdjustStock'; data: { delta: number; reason: string } }
  | { type: 'ReserveStock'; data: { orderId: string; quantity: number } }
  | { type: 'CommitReservation'; data: { orderId: string } }
  | { type: 'ReleaseReservation'; data: { orderId: string } }
  | { type: 'ReturnStock'; data: { orderId: string } };
