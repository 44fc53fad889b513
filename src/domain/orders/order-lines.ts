import { ruleViolated } from '../shared/errors.js';
import type { Money } from '../shared/money.js';
import type { OrderLine } from './events.js';

export const MAX_ITEMS = 50;
export const MAX_QUANTITY = 1000;

/** Refuses lines an order cannot hold; returns their total, computed exactly (BigInt) and kept within safe integers. */
export const priceOrderLines = (items: readonly OrderLine[]): Money => {
  const [first] = items;
  if (first === undefined) throw ruleViolated('no_items', 'an order needs at least one item');
  if (items.length > MAX_ITEMS) throw ruleViolated('too_many_items', `an order holds at most ${MAX_ITEMS} items`);
  const products = new Set(items.map((item) => item.productId));
  if (products.size !== items.length) throw ruleViolated('duplicate_product', 'each product may appear once per order');
  const currency = first.unitPrice.currency;
  let total = 0n;
  for (const { productId, quantity, unitPrice } of items) {
    if (!Number.isInteger(quantity) || quantity < 1 || quantity > MAX_QUANTITY)
      throw ruleViolated('invalid_quantity', `the quantity of ${productId} must be an integer from 1 to ${MAX_QUANTITY}`);
    if (unitPrice.currency !== currency) throw ruleViolated('mixed_currencies', 'every item of an order must share one currency');
    total += BigInt(quantity) * BigInt(unitPrice.amount);
  }
  if (total > BigInt(Number.MAX_SAFE_INTEGER)) throw ruleViolated('total_too_large', 'the order total is too large');
  return { amount: Number(total), currency };
};
