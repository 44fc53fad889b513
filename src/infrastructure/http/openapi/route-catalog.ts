import { z } from 'zod';
import { Id, Money, page } from '../schemas/common.js';
import {
  CloseMarketBody,
  CreateMarketBody,
  MarketListQuery,
  MarketResponse,
  MyPositionsResponse,
  PlacePositionBody,
  PositionResponse,
  ResolveMarketBody,
} from '../schemas/markets.js';
import { CancelOrderBody, OrderListQuery, OrderPlacedResponse, OrderResponse, PlaceOrderBody } from '../schemas/orders.js';
import { AdjustStockBody, ChangePriceBody, CreateProductBody, ProductListQuery, ProductResponse } from '../schemas/products.js';
import { RegisteredUserResponse, RegisterUserBody, RenameUserBody, TokenRequestBody, TokenResponse, UserResponse } from '../schemas/users.js';
import { RetrySagaBody, SagaListQuery, SagaListResponse, SagaResponse, SagaRetryResponse } from '../schemas/sagas.js';
import { EventItem, EventPage, EventsQuery, EventStreamText, StreamParams, StreamQuery } from '../schemas/event-browser.js';
import { AsOfQuery } from '../schemas/time-travel.js';
import {
  HealthLiveResponse,
  HealthReadyResponse,
  JwksResponse,
  OpenApiDocumentResponse,
  ProblemDocument,
  ProjectionListResponse,
  ProjectionResponse,
} from './schemas.js';

/**
 * Every route of the HTTP contract (docs/http-api.md says it in prose), described once, with the very zod schemas the routes
 * validate with. `openapi-document.ts` turns this into the OpenAPI 3.1 document served at `GET /openapi.json`;
 * the conventions every route shares (problem answers, X-Correlation-Id, Idempotency-Key, If-Match,
 * X-Min-Position, rate limits) are added there, from the flags below, so an entry says only what is its own.
 */

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** `none`: anyone; `signed-in`: any valid bearer token; `admin`: a bearer token with the admin role. */
export type Security = 'none' | 'signed-in' | 'admin';

export type ResponseHeader = 'Location' | 'ETag' | 'X-Position' | 'Retry-After';

export const TAGS = {
  Users: 'Registration and profiles.',
  Auth: 'Sign-in (ES256 JWT access tokens) and the public keys that verify them.',
  Products: 'Catalog and inventory.',
  Orders: 'Orders and the order-fulfilment saga.',
  Markets: 'Opinion markets (play money), settled by the market-settlement saga.',
  Sagas: "The saga-status view (admin). The id is the order's or the market's id.",
  Projections: 'The read models: where each stands, and rebuilds (admin).',
  Events: 'The event store itself (admin): a stream, `$all` filtered, `$all` followed live.',
  Operations: 'Health, metrics, this document and the operations console.',
} as const;
export type Tag = keyof typeof TAGS;

export interface ResponseSpec {
  description: string;
  /** The body. Without one, a 4xx/5xx answer is the shared Problem document and a 2xx has no body. */
  schema?: z.ZodType;
  /** Default `application/json` (`application/problem+json` for a Problem). */
  contentType?: string;
  headers?: readonly ResponseHeader[];
  /** Other media types the same answer takes when the request's `Accept` asks for them, with their schemas. */
  alternatives?: Readonly<Record<string, z.ZodType>>;
}

export interface RouteSpec {
  /** Unique; also names the operation's unnamed schemas in components. */
  operationId: string;
  method: Method;
  /** The full path, OpenAPI style: `/api/v1/products/{id}`. */
  path: string;
  summary: string;
  description?: string;
  tags: readonly Tag[];
  security: Security;
  /** One entry per `{name}` in the path. */
  pathParams?: z.ZodObject;
  /** The query schema the route parses `req.query` with; each key becomes a parameter. */
  query?: z.ZodObject;
  /** The body schema the route parses `req.body` with. `required: false` when a bodiless request reads as `{}`. */
  body?: { schema: z.ZodType; required?: boolean };
  /** Accepts `If-Match: "<revision>"` (412 on mismatch). */
  ifMatch?: boolean;
  /** The read model a GET reads: it accepts `X-Min-Position`. */
  readModel?: string;
  /** A POST whose `Idempotency-Key` is accepted but never replayed (its answer is a secret). */
  idempotencyKeyIgnored?: boolean;
  /** The route's own answers; conventional ones (400, 401, 403, 412, 413, 415, 429, 503...) are added from the flags. */
  responses: Readonly<Record<number, ResponseSpec>>;
}

const ProductList = page(ProductResponse);
const OrderList = page(OrderResponse);
const MarketList = page(MarketResponse);

/** Schemas under these names in `components.schemas`; any other schema of the catalog is named after its operation. */
export const NAMED_SCHEMAS: Readonly<Record<string, z.ZodType>> = {
  Problem: ProblemDocument,
  Money,
  RegisterUserBody,
  TokenRequestBody,
  RenameUserBody,
  User: UserResponse,
  RegisteredUser: RegisteredUserResponse,
  Token: TokenResponse,
  Jwks: JwksResponse,
  CreateProductBody,
  ChangePriceBody,
  AdjustStockBody,
  Product: ProductResponse,
  ProductList,
  PlaceOrderBody,
  CancelOrderBody,
  OrderPlaced: OrderPlacedResponse,
  Order: OrderResponse,
  OrderList,
  CreateMarketBody,
  PlacePositionBody,
  CloseMarketBody,
  ResolveMarketBody,
  Market: MarketResponse,
  MarketList,
  Position: PositionResponse,
  MyPositions: MyPositionsResponse,
  Saga: SagaResponse,
  SagaList: SagaListResponse,
  ProjectionList: ProjectionListResponse,
  Event: EventItem,
  EventPage,
  Projection: ProjectionResponse,
  HealthLive: HealthLiveResponse,
  HealthReady: HealthReadyResponse,
};

const projectionName = z.object({ name: z.string().min(1).meta({ description: 'the projection, as `GET /api/v1/projections` names it' }) });

const byId = (what: string) => z.object({ id: Id.meta({ description: `the ${what}'s id (a UUID)` }) });

export const routeCatalog: readonly RouteSpec[] = [
  // Users and auth
  {
    operationId: 'registerUser',
    method: 'post',
    path: '/api/v1/users',
    summary: 'Register a customer',
    tags: ['Users'],
    security: 'none',
    body: { schema: RegisterUserBody },
    responses: {
      201: { description: 'Registered; `Location` is the user.', schema: RegisteredUserResponse, headers: ['Location', 'ETag', 'X-Position'] },
      409: { description: 'The email is taken (compared case-insensitively).' },
    },
  },
  {
    operationId: 'issueToken',
    method: 'post',
    path: '/api/v1/auth/token',
    summary: 'Sign in: an access token for an email and password',
    tags: ['Auth'],
    security: 'none',
    body: { schema: TokenRequestBody },
    idempotencyKeyIgnored: true,
    responses: {
      200: { description: 'An access token (`Cache-Control: no-store`).', schema: TokenResponse },
      401: { description: 'The email or password is not right.' },
      429: {
        description:
          'Too many failed sign-ins for this email from this address (SIGNIN_FAILURES_PER_EMAIL per 15 min), too many failed sign-ins from this address (SIGNIN_FAILURES_PER_ADDRESS_PER_DAY per day), or too many token requests from this address (SIGNINS_PER_ADDRESS_PER_MIN per min).',
        headers: ['Retry-After'],
      },
    },
  },
  {
    operationId: 'getCurrentUser',
    method: 'get',
    path: '/api/v1/users/me',
    summary: 'The signed-in user',
    tags: ['Users'],
    security: 'signed-in',
    query: AsOfQuery,
    readModel: 'users',
    responses: {
      200: { description: 'The user.', schema: UserResponse, headers: ['ETag'] },
      404: { description: 'The users read model does not know the user yet (send X-Min-Position). With `asOf`: it did not exist then, or never had that revision (yet).' },
    },
  },
  {
    operationId: 'getUser',
    method: 'get',
    path: '/api/v1/users/{id}',
    summary: 'A user (self or admin)',
    tags: ['Users'],
    security: 'signed-in',
    pathParams: byId('user'),
    query: AsOfQuery,
    readModel: 'users',
    responses: {
      200: { description: 'The user.', schema: UserResponse, headers: ['ETag'] },
      404: { description: 'No such user, or it is neither you nor are you an admin (existence is not leaked). With `asOf`: it did not exist then, or never had that revision (yet).' },
    },
  },
  {
    operationId: 'renameUser',
    method: 'patch',
    path: '/api/v1/users/{id}',
    summary: 'Rename yourself',
    tags: ['Users'],
    security: 'signed-in',
    pathParams: byId('user'),
    body: { schema: RenameUserBody },
    ifMatch: true,
    responses: {
      200: { description: 'The user.', schema: UserResponse, headers: ['ETag', 'X-Position'] },
      404: { description: 'No such user, or it is not you.' },
    },
  },
  {
    operationId: 'getJwks',
    method: 'get',
    path: '/.well-known/jwks.json',
    summary: 'The public keys access tokens are signed with',
    tags: ['Auth'],
    security: 'none',
    responses: { 200: { description: 'A JWK set (ES256, P-256); cacheable for 5 minutes.', schema: JwksResponse } },
  },

  // Products
  {
    operationId: 'createProduct',
    method: 'post',
    path: '/api/v1/products',
    summary: 'Add a product to the catalog',
    tags: ['Products'],
    security: 'admin',
    body: { schema: CreateProductBody },
    responses: {
      201: { description: 'Created; `Location` is the product.', schema: ProductResponse, headers: ['Location', 'ETag', 'X-Position'] },
      409: { description: 'A product with this sku exists.' },
    },
  },
  {
    operationId: 'listProducts',
    method: 'get',
    path: '/api/v1/products',
    summary: 'List products (`q` matches name or sku)',
    tags: ['Products'],
    security: 'none',
    query: ProductListQuery,
    readModel: 'products',
    responses: { 200: { description: 'A page of products.', schema: ProductList } },
  },
  {
    operationId: 'getProduct',
    method: 'get',
    path: '/api/v1/products/{id}',
    summary: 'A product, with its stock',
    description: '`createdBy` comes from the users API (cached); it is `null` when that call fails.',
    tags: ['Products'],
    security: 'none',
    pathParams: byId('product'),
    query: AsOfQuery,
    readModel: 'products',
    responses: {
      200: { description: 'The product.', schema: ProductResponse, headers: ['ETag'] },
      404: { description: 'No such product. With `asOf`: it did not exist then, or never had that revision (yet).' },
    },
  },
  {
    operationId: 'changeProductPrice',
    method: 'put',
    path: '/api/v1/products/{id}/price',
    summary: "Change a product's price",
    tags: ['Products'],
    security: 'admin',
    pathParams: byId('product'),
    body: { schema: ChangePriceBody },
    ifMatch: true,
    responses: {
      200: { description: 'The product.', schema: ProductResponse, headers: ['ETag', 'X-Position'] },
      404: { description: 'No such product.' },
    },
  },
  {
    operationId: 'adjustProductStock',
    method: 'post',
    path: '/api/v1/products/{id}/stock-adjustments',
    summary: "Adjust a product's stock on hand",
    tags: ['Products'],
    security: 'admin',
    pathParams: byId('product'),
    body: { schema: AdjustStockBody },
    ifMatch: true,
    responses: {
      200: { description: 'The product.', schema: ProductResponse, headers: ['ETag', 'X-Position'] },
      404: { description: 'No such product.' },
      422: { description: '`onHand` would drop below `reserved`.' },
    },
  },

  // Orders
  {
    operationId: 'placeOrder',
    method: 'post',
    path: '/api/v1/orders',
    summary: 'Place an order',
    description:
      'Prices are taken from the catalog. The order-fulfilment saga reserves the stock, charges `paymentToken` and confirms the order, or cancels it.',
    tags: ['Orders'],
    security: 'signed-in',
    body: { schema: PlaceOrderBody },
    responses: {
      202: { description: 'Accepted, pending; `Location` is the order.', schema: OrderPlacedResponse, headers: ['Location', 'ETag', 'X-Position'] },
      422: { description: 'A product is unknown, or the items do not share one currency.' },
    },
  },
  {
    operationId: 'listOrders',
    method: 'get',
    path: '/api/v1/orders',
    summary: 'List your orders (an admin: every order)',
    tags: ['Orders'],
    security: 'signed-in',
    query: OrderListQuery,
    readModel: 'orders',
    responses: { 200: { description: 'A page of orders.', schema: OrderList } },
  },
  {
    operationId: 'getOrder',
    method: 'get',
    path: '/api/v1/orders/{id}',
    summary: 'An order (owner or admin)',
    tags: ['Orders'],
    security: 'signed-in',
    pathParams: byId('order'),
    query: AsOfQuery,
    readModel: 'orders',
    responses: {
      200: { description: 'The order.', schema: OrderResponse, headers: ['ETag'] },
      404: { description: 'No such order, or it is not yours (existence is not leaked). With `asOf`: it did not exist then, or never had that revision (yet).' },
    },
  },
  {
    operationId: 'cancelOrder',
    method: 'post',
    path: '/api/v1/orders/{id}/cancel',
    summary: 'Cancel an order (owner or admin)',
    description: 'Cancelling a confirmed order refunds the payment and returns the stock. The body, if any, must be `{}`.',
    tags: ['Orders'],
    security: 'signed-in',
    pathParams: byId('order'),
    body: { schema: CancelOrderBody, required: false },
    ifMatch: true,
    responses: {
      202: { description: 'Accepted; the order as it stands.', schema: OrderResponse, headers: ['ETag', 'X-Position'] },
      404: { description: 'No such order, or it is not yours.' },
      409: { description: 'The order is already cancelled.' },
    },
  },

  // Markets
  {
    operationId: 'createMarket',
    method: 'post',
    path: '/api/v1/markets',
    summary: 'Open a market',
    tags: ['Markets'],
    security: 'admin',
    body: { schema: CreateMarketBody },
    responses: {
      201: { description: 'Created; `Location` is the market.', schema: MarketResponse, headers: ['Location', 'ETag', 'X-Position'] },
      422: { description: '`closesAt` is not in the future.' },
    },
  },
  {
    operationId: 'listMarkets',
    method: 'get',
    path: '/api/v1/markets',
    summary: 'List markets',
    tags: ['Markets'],
    security: 'none',
    query: MarketListQuery,
    readModel: 'markets',
    responses: { 200: { description: 'A page of markets.', schema: MarketList } },
  },
  {
    operationId: 'getMarket',
    method: 'get',
    path: '/api/v1/markets/{id}',
    summary: 'A market, with its pools and probabilities',
    tags: ['Markets'],
    security: 'none',
    pathParams: byId('market'),
    query: AsOfQuery,
    readModel: 'markets',
    responses: {
      200: { description: 'The market.', schema: MarketResponse, headers: ['ETag'] },
      404: { description: 'No such market. With `asOf`: it did not exist then, or never had that revision (yet).' },
    },
  },
  {
    operationId: 'placePosition',
    method: 'post',
    path: '/api/v1/markets/{id}/positions',
    summary: 'Stake on an outcome',
    tags: ['Markets'],
    security: 'signed-in',
    pathParams: byId('market'),
    body: { schema: PlacePositionBody },
    ifMatch: true,
    responses: {
      201: { description: 'The position.', schema: PositionResponse, headers: ['X-Position'] },
      404: { description: 'No such market.' },
      422: { description: 'The market is not open or is past `closesAt`, or has no such outcome.' },
    },
  },
  {
    operationId: 'getMyPositions',
    method: 'get',
    path: '/api/v1/markets/{id}/positions/me',
    summary: 'Your positions in a market',
    tags: ['Markets'],
    security: 'signed-in',
    pathParams: byId('market'),
    readModel: 'markets',
    responses: {
      200: { description: 'Your positions, in the order placed; `payout` once the market is resolved.', schema: MyPositionsResponse },
      404: { description: 'No such market.' },
    },
  },
  {
    operationId: 'closeMarket',
    method: 'post',
    path: '/api/v1/markets/{id}/close',
    summary: 'Close a market to new positions',
    description: 'The body, if any, must be `{}`.',
    tags: ['Markets'],
    security: 'admin',
    pathParams: byId('market'),
    body: { schema: CloseMarketBody, required: false },
    ifMatch: true,
    responses: {
      200: { description: 'The market.', schema: MarketResponse, headers: ['ETag', 'X-Position'] },
      404: { description: 'No such market.' },
      409: { description: 'The market is not open.' },
    },
  },
  {
    operationId: 'resolveMarket',
    method: 'post',
    path: '/api/v1/markets/{id}/resolve',
    summary: 'Resolve a market',
    description:
      'Pays parimutuel through the market-settlement saga: each winning position gets `floor(stake * totalPool / winningPool)`; if nobody backed the winner, every stake is returned.',
    tags: ['Markets'],
    security: 'admin',
    pathParams: byId('market'),
    body: { schema: ResolveMarketBody },
    ifMatch: true,
    responses: {
      200: { description: 'The market, status `resolved`.', schema: MarketResponse, headers: ['ETag', 'X-Position'] },
      404: { description: 'No such market.' },
      409: { description: 'The market is already resolved.' },
      422: { description: 'The market has no such outcome.' },
    },
  },

  // Sagas
  {
    operationId: 'getSaga',
    method: 'get',
    path: '/api/v1/sagas/{id}',
    summary: "A saga's status and steps",
    tags: ['Sagas'],
    security: 'admin',
    pathParams: z.object({ id: Id.meta({ description: "the order's or market's id (a UUID)" }) }),
    query: AsOfQuery,
    readModel: 'sagas',
    responses: {
      200: { description: 'The saga.', schema: SagaResponse, headers: ['ETag'] },
      404: { description: 'No saga for this id. With `asOf`: it did not exist then, or never had that revision (yet).' },
    },
  },
  {
    operationId: 'listSagas',
    method: 'get',
    path: '/api/v1/sagas',
    summary: 'List sagas',
    tags: ['Sagas'],
    security: 'admin',
    query: SagaListQuery,
    readModel: 'sagas',
    responses: { 200: { description: 'A page of sagas.', schema: SagaListResponse } },
  },
  {
    operationId: 'retrySaga',
    method: 'post',
    path: '/api/v1/sagas/{id}/retry',
    summary: "Run a saga's failed steps again",
    description: 'A step whose attempts ran out (a dead letter) makes its saga `failed`; this runs every such step again. The body, if any, must be `{}`.',
    tags: ['Sagas'],
    security: 'admin',
    pathParams: z.object({ id: Id.meta({ description: "the order's or market's id (a UUID)" }) }),
    body: { schema: RetrySagaBody, required: false },
    responses: {
      202: { description: 'The failed steps run again; `retried` names them.', schema: SagaRetryResponse, headers: ['X-Position'] },
      404: { description: 'No saga for this id.' },
      409: { description: 'No step of this saga has failed.' },
    },
  },

  // Projections
  {
    operationId: 'listProjections',
    method: 'get',
    path: '/api/v1/projections',
    summary: 'Where each read model stands',
    tags: ['Projections'],
    security: 'admin',
    responses: { 200: { description: 'Every projection, with the progress of any rebuild.', schema: ProjectionListResponse } },
  },
  {
    operationId: 'getProjection',
    method: 'get',
    path: '/api/v1/projections/{name}',
    summary: 'Where one read model stands (follow a rebuild here)',
    tags: ['Projections'],
    security: 'admin',
    pathParams: projectionName,
    responses: {
      200: { description: 'The projection.', schema: ProjectionResponse },
      404: { description: 'No projection of this name.' },
    },
  },
  {
    operationId: 'rebuildProjection',
    method: 'post',
    path: '/api/v1/projections/{name}/rebuild',
    summary: 'Rebuild a read model',
    description:
      'The read model is rebuilt beside the live one, which keeps serving, and swapped in once caught up. Asked again while it runs, it joins the running rebuild. Follow it at `Location`. Where projectors take turns under leases (Redis), a projector that does not hold the projection hands the request to the one that does, which starts it at its next lease renewal.',
    tags: ['Projections'],
    security: 'admin',
    pathParams: projectionName,
    responses: {
      202: {
        description: 'The rebuild runs (status `rebuilding`), or has been handed to the projector holding the lease (the projection as its holder last reported it); `Location` is the projection.',
        schema: ProjectionResponse,
        headers: ['Location'],
      },
      404: { description: 'No projection of this name.' },
      503: { description: 'The request could not be handed to the projector holding the lease: Redis did not answer.', headers: ['Retry-After'] },
    },
  },

  // Event browser
  {
    operationId: 'readStream',
    method: 'get',
    path: '/api/v1/streams/{stream}',
    summary: "A stream's events, a page at a time",
    description:
      'Forwards from `fromRevision` (the start when absent) or backwards (from the end when absent). `nextCursor`, sent back as `cursor`, goes on in the same direction; it is `null` once the page reached the end of the stream.',
    tags: ['Events'],
    security: 'admin',
    pathParams: StreamParams,
    query: StreamQuery,
    responses: {
      200: { description: 'A page of the stream, in revision order (or its reverse).', schema: EventPage },
      400: { description: '`cursor` comes with `fromRevision`, or with another `direction` than its own.' },
      404: { description: 'The stream has no events.' },
    },
  },
  {
    operationId: 'readEvents',
    method: 'get',
    path: '/api/v1/events',
    summary: '`$all` in position order, filtered, a page at a time or followed live',
    description:
      'A page of `$all` from `fromPosition` (included), filtered by event type, stream prefix and correlation id. The correlation id is matched over at most 10,000 events a page: a page cut short there has fewer items and a `nextCursor` that goes on. With `Accept: text/event-stream` the answer follows `$all` live as server-sent events (`id:` the position, `data:` the item): from `fromPosition` or `cursor` when given, else from the head (only what comes next); a reconnecting client that sends `Last-Event-ID: <position>` gets only the events after it.',
    tags: ['Events'],
    security: 'admin',
    query: EventsQuery,
    responses: {
      200: {
        description: 'A page of events; or, asked for `text/event-stream`, the events as they come (the answer lasts until the client or the server ends it).',
        schema: EventPage,
        alternatives: { 'text/event-stream': EventStreamText },
      },
      400: { description: '`cursor` comes with `fromPosition`, or `Last-Event-ID` is not a position.' },
    },
  },

  // Operations
  {
    operationId: 'getLiveness',
    method: 'get',
    path: '/health/live',
    summary: 'Liveness: 200 as soon as the process serves',
    tags: ['Operations'],
    security: 'none',
    responses: { 200: { description: 'Alive.', schema: HealthLiveResponse } },
  },
  {
    operationId: 'getReadiness',
    method: 'get',
    path: '/health/ready',
    summary: 'Readiness: every dependency answers and every projection has caught up once since boot',
    tags: ['Operations'],
    security: 'none',
    responses: {
      200: { description: 'Ready.', schema: HealthReadyResponse },
      503: { description: 'Not ready; the failing checks.', schema: HealthReadyResponse, headers: ['Retry-After'] },
    },
  },
  {
    operationId: 'getMetrics',
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics',
    tags: ['Operations'],
    security: 'none',
    responses: {
      200: { description: 'Prometheus text exposition format.', schema: z.string(), contentType: 'text/plain; version=0.0.4; charset=utf-8' },
    },
  },
  {
    operationId: 'getOpenApiDocument',
    method: 'get',
    path: '/openapi.json',
    summary: 'This document',
    tags: ['Operations'],
    security: 'none',
    responses: { 200: { description: 'The OpenAPI 3.1 document of every route.', schema: OpenApiDocumentResponse } },
  },
  {
    operationId: 'getConsole',
    method: 'get',
    path: '/console',
    summary: 'The operations console: an HTML page on which an admin signs in',
    description:
      'Sagas and their steps, dead letters, projections and their rebuilds, the event browser and time travel, on the admin routes above. Every role serves the page and its files (under `/console/assets/`), with a Content-Security-Policy of their own.',
    tags: ['Operations'],
    security: 'none',
    responses: { 200: { description: 'The page.', schema: z.string(), contentType: 'text/html; charset=utf-8' } },
  },
];
