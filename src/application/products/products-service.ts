import type { CreateProduct, ProductCommand } from '../../domain/products/commands.js';
import type { ProductEvent } from '../../domain/products/events.js';
import { productDecider, productStream } from '../../domain/products/product.js';
import { conflict } from '../../domain/shared/errors.js';
import type { Money } from '../../domain/shared/money.js';
import type { CommandContext } from '../commands/command-context.js';
import type { CommandHandler } from '../commands/command-handler.js';
import type { Page, ReadStore } from '../ports/read-store.js';
import type { UniqueClaims } from '../uniqueness/unique-claims.js';
import { type Product, type ProductState, available } from '../../domain/products/product.js';
import type { ProductDocument } from '../../projections/products/products-projection.js';
import { listProducts, productById, type ProductView } from '../../projections/products/products-projection.js';
import { resourceId } from '../commands/request-keys.js';
import { AggregateCommands, type ExistingResult } from '../commands/aggregate-commands.js';

export interface ProductChange {
  product: ProductView;
  revision: bigint;
  position: bigint;
}

/** What a caller asks for: the creation but for the ids the service gives it; no description is an empty one. */
export type NewProduct = Omit<CreateProduct, 'productId' | 'createdBy' | 'description'> & { description?: string | undefined };

const skuKey = (sku: string) => sku.trim().toLowerCase();

/** The product as the API shows it, from the state a command left. */
const productViewOf = (product: Product, revision: bigint): ProductView => ({
  id: product.productId,
  sku: product.sku,
  name: product.name,
  description: product.description,
  price: product.price,
  stock: { onHand: product.onHand, reserved: product.reserved, available: available(product) },
  createdBy: product.createdBy,
  version: Number(revision),
});

const changeOf = (result: ExistingResult<Product, unknown>): ProductChange => ({
  product: productViewOf(result.state, result.revision),
  revision: result.revision,
  position: result.position,
});

/** Catalog and inventory use cases: commands on the product aggregate, queries on its read model. */
export class ProductsService {
  private readonly products: AggregateCommands<ProductState, ProductCommand, ProductEvent, ProductChange>;

  constructor(
    commands: CommandHandler,
    private readonly claims: UniqueClaims,
    private readonly readStore: ReadStore,
  ) {
    this.products = new AggregateCommands(commands, productDecider, productStream, changeOf);
  }

  /** A repeat of a create request answers what the first did before anything is claimed again. */
  async create(input: NewProduct, context: CommandContext & { userId: string }): Promise<ProductChange> {
    const productId = resourceId(context, 'product');
    const repeat = await this.products.repeatOf(productId, context);
    if (repeat) return repeat;
    const claim = await this.claims.claim('product_sku', skuKey(input.sku), productId, productStream, context);
    if (!claim.claimed) throw conflict('sku_taken', `a product with sku ${input.sku} exists already`);
    return this.products.execute(productId, 'new', {
      type: 'CreateProduct',
      data: {
        productId,
        sku: input.sku,
        name: input.name,
        description: input.description ?? '',
        price: input.price,
        initialStock: input.initialStock,
        createdBy: context.userId,
      },
    }, context);
  }

  changePrice(productId: string, price: Money, context: CommandContext, expectedRevision?: bigint): Promise<ProductChange> {
    return this.products.execute(productId, 'existing', { type: 'ChangePrice', data: { price } }, context, expectedRevision);
  }

  adjustStock(productId: string, adjustment: { delta: number; reason: string }, context: CommandContext, expectedRevision?: bigint) {
    return this.products.execute(productId, 'existing', { type: 'AdjustStock', data: adjustment }, context, expectedRevision);
  }

  get(productId: string): Promise<ProductDocument | null> {
    return productById(this.readStore, productId);
  }

  list(query: { q?: string | undefined; limit: number; cursor?: string | undefined }): Promise<Page<ProductDocument>> {
    return listProducts(this.readStore, query);
  }
}
