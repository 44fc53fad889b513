import type { Request } from 'express';
import { type RouteTable, routeTable } from '../route-table.js';
import type { ProductView } from '../../../application/products/product-view.js';
import { productOf, type ProductsService } from '../../../application/products/products-service.js';
import type { ResourceHistory } from '../../../projections/time-travel/resource-history.js';
import { asOfOf, notFoundAsOf, timeTravel } from '../as-of.js';
import type { UserDirectory, UserSummary } from '../../../application/ports/user-directory.js';
import { sendCommandResult } from '../command-response.js';
import { requireRole } from '../middleware/auth.js';
import { minPosition, type ReadModelProgress } from '../middleware/read-your-writes.js';
import { commandContext } from '../request-context.js';
import { AdjustStockBody, ChangePriceBody, CreateProductBody, ProductListQuery } from '../schemas/products.js';
import { body, etag, ifMatch, pathId, pathIdFirst, query } from '../validate.js';

export interface ProductsRoutesDeps {
  products: ProductsService;
  users: UserDirectory;
  progress: ReadModelProgress;
  history: ResourceHistory;
}

const productId = (raw: unknown): string => pathId(raw, 'product');

/** Catalog and inventory over HTTP: parse, authorise, call the application, answer. */
export const productsRoutes = ({ products, users, progress, history }: ProductsRoutesDeps): RouteTable => {
  const router = routeTable();
  // The read model keeps createdAt to order the list; the contract's product has no such field.
  const answerOf = ({ createdBy: _createdBy, createdAt: _createdAt, ...product }: ProductView & { createdAt?: string }, creator: UserSummary | null) => ({
    ...product,
    createdBy: creator,
  });
  const present = async (product: ProductView, req: Request) => answerOf(product, await users.find(product.createdBy, req.traceparent));

  router.post('/', requireRole('admin'), async (req, res) => {
    const input = body(req, CreateProductBody);
    const change = await products.create(input, { ...commandContext(req), userId: req.principal!.userId });
    sendCommandResult(res, {
      status: 201,
      body: await present(change.product, req),
      position: change.position,
      revision: change.revision,
      location: `/api/v1/products/${change.product.id}`,
    });
  });

  router.get('/', minPosition(progress, 'products'), async (req, res) => {
    const { q, limit, cursor } = query(req, ProductListQuery);
    const page = await products.list({ q, limit, cursor });
    res.json({ items: await Promise.all(page.items.map((product) => present(product, req))), nextCursor: page.nextCursor });
  });

  // A cached read-model document stays one frozen object until it changes, and so does a cached user summary:
  // the answer's text is kept beside the document, and made anew when either is another object.
  const answers = new WeakMap<ProductView, { creator: UserSummary | null; json: string }>();
  const presentAsJson = async (product: ProductView, req: Request): Promise<string> => {
    const creator = await users.find(product.createdBy, req.traceparent);
    const kept = answers.get(product);
    if (kept?.creator === creator) return kept.json;
    const json = JSON.stringify(answerOf(product, creator));
    if (Object.isFrozen(product)) answers.set(product, { creator, json });
    return json;
  };

  router.get('/:id', timeTravel, pathIdFirst('product'), minPosition(progress, 'products'), async (req, res) => {
    const id = productId(req.params.id);
    const asOf = asOfOf(res);
    const product = asOf === undefined ? await products.get(id) : await history.product(id, asOf).then((document) => document && productOf(document));
    if (!product) throw notFoundAsOf('product', asOf);
    res.setHeader('ETag', etag(product.version));
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.send(await presentAsJson(product, req));
  });

  router.put('/:id/price', requireRole('admin'), async (req, res) => {
    const id = productId(req.params.id);
    const { price } = body(req, ChangePriceBody);
    const change = await products.changePrice(id, price, commandContext(req), ifMatch(req));
    sendCommandResult(res, { status: 200, body: await present(change.product, req), position: change.position, revision: change.revision });
  });

  router.post('/:id/stock-adjustments', requireRole('admin'), async (req, res) => {
    const id = productId(req.params.id);
    const adjustment = body(req, AdjustStockBody);
    const change = await products.adjustStock(id, adjustment, commandContext(req), ifMatch(req));
    sendCommandResult(res, { status: 200, body: await present(change.product, req), position: change.position, revision: change.revision });
  });

  return router;
};
