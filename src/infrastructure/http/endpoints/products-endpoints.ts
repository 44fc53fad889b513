import { z } from 'zod';
import type { ProductsService } from '../../../application/products/products-service.js';
import type { UserDirectory, UserSummary as Creator } from '../../../application/ports/user-directory.js';
import { ProductDocument, type ProductView } from '../../../projections/products/products-projection.js';
import type { ResourceHistory } from '../../../projections/time-travel/resource-history.js';
import { commandAnswer, jsonOnce, ok } from '../answer.js';
import { notFoundAsOf } from '../as-of.js';
import { endpoint, idParam, named, tag } from '../endpoint.js';
import { ListQuery, Money, page, plainText, UserSummary } from '../schemas/common.js';

const Products = tag('Products', 'Catalog and inventory.');

export interface ProductsDeps {
  products: ProductsService;
  users: UserDirectory;
  history: ResourceHistory;
}

const CreateProductBody = named(
  'CreateProductBody',
  z.strictObject({
    sku: plainText().trim().min(1).max(64),
    name: plainText().trim().min(1).max(200),
    description: z.string().max(5000).optional(),
    price: Money,
    initialStock: z.number().int().min(0).max(1_000_000_000),
  }),
);

const ChangePriceBody = named('ChangePriceBody', z.strictObject({ price: Money }));

const AdjustStockBody = named(
  'AdjustStockBody',
  z.strictObject({
    delta: z
      .number()
      .int()
      .min(-1_000_000_000)
      .max(1_000_000_000)
      .refine((delta) => delta !== 0, 'must not be zero')
      .meta({ not: { const: 0 }, description: 'a non-zero integer: what is added to (or, negative, taken from) the stock on hand' }),
    reason: z.string().trim().min(1).max(500),
  }),
);

const ProductListQuery = ListQuery.extend({ q: z.string().max(200).optional() });

/** The read model's product, with its creator as the users API names them instead of the creator's id. */
const ProductResponse = named('Product', ProductDocument.omit({ createdBy: true, createdAt: true }).extend({ createdBy: UserSummary.nullable() }));

const ProductList = named('ProductList', page(ProductResponse));

const byId = idParam('product');
const productPath = z.object({ id: byId });

/** The product as the contract shows it: the read model keeps `createdAt` to order the list, the contract has no such field. */
const answerOf = ({ createdBy: _createdBy, createdAt: _createdAt, ...product }: ProductView & { createdAt?: string }, creator: Creator | null) => ({
  ...product,
  createdBy: creator,
});
const productAnswer = jsonOnce(answerOf);
const withCreator = async (users: UserDirectory, product: ProductView, traceparent: string) => answerOf(product, await users.find(product.createdBy, traceparent));

const created = { description: 'Created; `Location` is the product.', schema: ProductResponse, headers: ['Location', 'ETag', 'X-Position'] } as const;
const changed = { description: 'The product.', schema: ProductResponse, headers: ['ETag', 'X-Position'] } as const;

export const createProduct = endpoint({
  operationId: 'createProduct',
  method: 'post',
  path: '/api/v1/products',
  summary: 'Add a product to the catalog',
  tags: [Products],
  who: 'admin',
  body: CreateProductBody,
  responses: { 201: created, 409: { description: 'A product with this sku exists.' } },
  handle:
    ({ products, users }: ProductsDeps) =>
    async ({ body, context, req }) => {
      const change = await products.create(body, context);
      return commandAnswer(201, await withCreator(users, change.product, req.traceparent), change, `/api/v1/products/${change.product.id}`);
    },
});

export const listProducts = endpoint({
  operationId: 'listProducts',
  method: 'get',
  path: '/api/v1/products',
  summary: 'List products (`q` matches name or sku)',
  tags: [Products],
  who: 'anyone',
  query: ProductListQuery,
  readModel: 'products',
  responses: { 200: { description: 'A page of products.', schema: ProductList } },
  handle:
    ({ products, users }: ProductsDeps) =>
    async ({ query, req }) => {
      const page = await products.list(query);
      return ok({ items: await Promise.all(page.items.map((product) => withCreator(users, product, req.traceparent))), nextCursor: page.nextCursor });
    },
});

export const getProduct = endpoint({
  operationId: 'getProduct',
  method: 'get',
  path: '/api/v1/products/{id}',
  summary: 'A product, with its stock',
  description: '`createdBy` comes from the users API (cached); it is `null` when that call fails.',
  tags: [Products],
  who: 'anyone',
  params: productPath,
  timeTravel: true,
  readModel: 'products',
  responses: {
    200: { description: 'The product.', schema: ProductResponse, headers: ['ETag'] },
    404: { description: 'No such product. With `asOf`: it did not exist then, or never had that revision (yet).' },
  },
  handle:
    ({ products, users, history }: ProductsDeps) =>
    async ({ params: { id }, asOf, req }) => {
      const product = asOf === undefined ? await products.get(id) : await history.product(id, asOf);
      if (!product) throw notFoundAsOf('product', asOf);
      return ok(productAnswer(product, await users.find(product.createdBy, req.traceparent)), product.version);
    },
});

export const changeProductPrice = endpoint({
  operationId: 'changeProductPrice',
  method: 'put',
  path: '/api/v1/products/{id}/price',
  summary: "Change a product's price",
  tags: [Products],
  who: 'admin',
  params: productPath,
  body: ChangePriceBody,
  ifMatch: true,
  responses: { 200: changed, 404: { description: 'No such product.' } },
  handle:
    ({ products, users }: ProductsDeps) =>
    async ({ params: { id }, body: { price }, context, expectedRevision, req }) => {
      const change = await products.changePrice(id, price, context, expectedRevision);
      return commandAnswer(200, await withCreator(users, change.product, req.traceparent), change);
    },
});

export const adjustProductStock = endpoint({
  operationId: 'adjustProductStock',
  method: 'post',
  path: '/api/v1/products/{id}/stock-adjustments',
  summary: "Adjust a product's stock on hand",
  tags: [Products],
  who: 'admin',
  params: productPath,
  body: AdjustStockBody,
  ifMatch: true,
  responses: { 200: changed, 404: { description: 'No such product.' }, 422: { description: '`onHand` would drop below `reserved`.' } },
  handle:
    ({ products, users }: ProductsDeps) =>
    async ({ params: { id }, body, context, expectedRevision, req }) => {
      const change = await products.adjustStock(id, body, context, expectedRevision);
      return commandAnswer(200, await withCreator(users, change.product, req.traceparent), change);
    },
});

/** Catalog and inventory, in the order they are matched. */
export const productsEndpoints = [createProduct, listProducts, getProduct, changeProductPrice, adjustProductStock];
