import { z } from 'zod';

const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const optionalUrl = (protocols: readonly string[]) =>
  z
    .string()
    .refine((value) => protocols.some((protocol) => value.startsWith(protocol)), `must start with ${protocols.join(' or ')}`)
    .optional();

export const SERVICE_ROLES = ['all', 'users-api', 'catalog-api', 'orders-api', 'markets-api', 'projector', 'saga-worker', 'payment-gateway'] as const;
export type ServiceRole = (typeof SERVICE_ROLES)[number];
/** The all-in-one process and the projector keep the read models; the API roles only read them. */
export const runsProjections = (role: ServiceRole): boolean => role === 'all' || role === 'projector';
/** The all-in-one process and the saga workers run the sagas (BullMQ's competing consumers, with Redis). */
export const runsSagas = (role: ServiceRole): boolean => role === 'all' || role === 'saga-worker';

/** Every environment variable the platform reads (the table in API.md), validated once at boot. */
export const ConfigSchema = z
  .object({
    PORT: integer(0, 65_535).default(3000),
    DATA_DIR: z.string().min(1).default('./data'),
    ADMIN_EMAIL: z.email().optional(),
    ADMIN_PASSWORD: z.string().min(8).max(128).optional(),
    EVENTSTORE_URL: optionalUrl(['esdb://', 'esdb+discover://', 'sqlite:', 'memory:']),
    MONGODB_URL: optionalUrl(['mongodb://', 'mongodb+srv://']),
    REDIS_URL: optionalUrl(['redis://', 'rediss://']),
    PAYMENT_GATEWAY_URL: z.url().optional(),
    PAYMENT_TIMEOUT_MS: integer(1, 86_400_000).default(30_000),
    PAYMENT_GATEWAY_TIMEOUT_MS: integer(1, 600_000).default(2_000),
    SAGA_QUEUE: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, 'letters, digits, - and _').default('ledgerflow-sagas'),
    SAGA_ATTEMPTS: integer(1, 100).default(8),
    SAGA_BACKOFF_MS: integer(1, 600_000).default(500),
    SAGA_BACKOFF_MAX_MS: integer(1, 3_600_000).default(10_000),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    SIGNIN_FAILURES_PER_EMAIL: integer(1, 1_000_000).default(5),
    SIGNINS_PER_ADDRESS_PER_MIN: integer(1, 1_000_000).default(600),
    RATE_LIMIT_PER_MIN: integer(1, 10_000_000).optional(),
    SQLITE_SYNCHRONOUS: z.enum(['NORMAL', 'FULL']).default('NORMAL'),
    SERVICE_ROLE: z.enum(SERVICE_ROLES).default('all'),
    USERS_API_URL: z.url().optional(),
    JWT_PRIVATE_KEY: z.string().optional(),
    JWT_PUBLIC_KEY: z.string().optional(),
    JWT_ISSUER: z.string().min(1).default('ledgerflow'),
    JWT_AUDIENCE: z.string().min(1).default('ledgerflow-api'),
    JWT_TTL_SECONDS: integer(30, 86_400).default(900),
  })
  .refine((config) => (config.ADMIN_EMAIL === undefined) === (config.ADMIN_PASSWORD === undefined), {
    path: ['ADMIN_PASSWORD'],
    message: 'ADMIN_EMAIL and ADMIN_PASSWORD are set together or not at all',
  })
  .refine((config) => (config.JWT_PRIVATE_KEY === undefined) === (config.JWT_PUBLIC_KEY === undefined), {
    path: ['JWT_PUBLIC_KEY'],
    message: 'JWT_PRIVATE_KEY and JWT_PUBLIC_KEY are set together or not at all',
  });

export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Reads the configuration; empty variables count as unset. A bad value throws a one-line message naming it. */
export const loadConfig = (env: NodeJS.ProcessEnv = process.env): Config => {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = ConfigSchema.safeParse(present);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new ConfigError(`invalid configuration: ${issue.path.join('.') || 'environment'}: ${issue.message}`);
};
