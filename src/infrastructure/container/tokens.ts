import type { ServiceIdentifier } from 'inversify';
import type { CommandHandler } from '../../application/commands/command-handler.js';
import type { EventRegistry } from '../../application/events/event-registry.js';
import type { EventStore } from '../../application/ports/event-store.js';
import type { ReadStore } from '../../application/ports/read-store.js';
import type { UserDirectory } from '../../application/ports/user-directory.js';
import type { IdempotencyStore } from '../../application/ports/idempotency-store.js';
import type { ProductsService } from '../../application/products/products-service.js';
import type { UniqueClaims } from '../../application/uniqueness/unique-claims.js';
import type { ProjectionSupervisor } from '../../projections/projection-supervisor.js';
import type { ResourceHistory } from '../../projections/time-travel/resource-history.js';
import type { Config } from '../config/config.js';
import type { AnyEndpoint } from '../http/endpoint.js';
import type { AccessTokenVerifier } from '../http/middleware/auth.js';
import type { ReadModelProgress } from '../http/middleware/read-your-writes.js';
import type { Logger } from '../logging/logger.js';
import type { Redis } from 'ioredis';
import type { OrdersService } from '../../application/orders/orders-service.js';
import type { MarketsService } from '../../application/markets/markets-service.js';
import type { PasswordHasher } from '../../application/ports/password-hasher.js';
import type { RateLimiterFactory } from '../../application/ports/rate-limiter.js';
import type { SignIn } from '../../application/users/sign-in.js';
import type { UsersService } from '../../application/users/users-service.js';
import type { JwtAccessTokens } from '../auth/jwt-access-tokens.js';
import type { OwnUrl } from '../http/own-url.js';
import type { JobQueue } from '../../application/ports/job-queue.js';
import type { PaymentGateway } from '../../application/ports/payment-gateway.js';
import type { SagaLanes } from '../../application/sagas/saga-jobs.js';
import type { SagaRuntime } from '../../application/sagas/saga-runtime.js';
import type { SagaWork } from '../saga-thread/saga-work.js';
import type { SagasService } from '../../application/sagas/sagas-service.js';

const token = <T>(name: string): ServiceIdentifier<T> => Symbol.for(`ledgerflow.${name}`);

/** The composition root's service identifiers; nothing outside src/infrastructure/container refers to them. */
export const TOKENS = {
  Config: token<Config>('Config'),
  Logger: token<Logger>('Logger'),
  /** Every endpoint of the platform, whichever role serves it (the OpenAPI document, metrics' route templates). */
  Endpoints: token<readonly AnyEndpoint[]>('Endpoints'),
  EventStore: token<EventStore>('EventStore'),
  ReadStore: token<ReadStore>('ReadStore'),
  EventRegistry: token<EventRegistry>('EventRegistry'),
  CommandHandler: token<CommandHandler>('CommandHandler'),
  UniqueClaims: token<UniqueClaims>('UniqueClaims'),
  Projections: token<ProjectionSupervisor>('Projections'),
  ReadModelProgress: token<ReadModelProgress>('ReadModelProgress'),
  /** Time travel: documents as they stood, folded from the event store. */
  ResourceHistory: token<ResourceHistory>('ResourceHistory'),
  Redis: token<Redis>('Redis'),
  IdempotencyStore: token<IdempotencyStore>('IdempotencyStore'),
  UserDirectory: token<UserDirectory>('UserDirectory'),
  AccessTokenVerifier: token<AccessTokenVerifier>('AccessTokenVerifier'),
  ProductsService: token<ProductsService>('ProductsService'),
  OrdersService: token<OrdersService>('OrdersService'),
  MarketsService: token<MarketsService>('MarketsService'),
  UsersService: token<UsersService>('UsersService'),
  SignIn: token<SignIn>('SignIn'),
  AccessTokens: token<JwtAccessTokens>('AccessTokens'),
  PasswordHasher: token<PasswordHasher>('PasswordHasher'),
  RateLimiters: token<RateLimiterFactory>('RateLimiters'),
  SagaJobQueues: token<SagaLanes<JobQueue>>('SagaJobQueues'),
  PaymentGateway: token<PaymentGateway>('PaymentGateway'),
  /** The bundled payment simulator's base URL once it listens, when no PAYMENT_GATEWAY_URL is given. */
  PaymentSimulatorUrl: token<OwnUrl>('PaymentSimulatorUrl'),
  SagasService: token<SagasService>('SagasService'),
  SagaRuntime: token<SagaRuntime>('SagaRuntime'),
  /** The sagas this process runs, in its main thread or in their own (the all-in-one server on SQLite). */
  SagaWork: token<SagaWork>('SagaWork'),
  /** The server's own base URL once it listens (bound by the platform). */
  OwnUrl: token<OwnUrl>('OwnUrl'),
} as const;
