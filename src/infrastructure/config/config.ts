import { isIP } from 'node:net';
import { z } from 'zod';
import { StartupError } from '../process/startup-error.js';

// Every message below reads after the variable's name and its quoted value: `PORT: "abc" is not a port (…)`.
const integer = (min: number, max: number, what = `an integer from ${min} to ${max}`) => {
  const error = `is not ${what}`;
  return z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error });
};
const optionalUrl = (protocols: readonly string[]) =>
  z
    .string()
    .refine((value) => protocols.some((protocol) => value.startsWith(protocol)), `must start with ${protocols.join(' or ')}`)
    .optional();
const oneOf = <const T extends readonly [string, ...string[]]>(values: T) => z.enum(values, { error: `is not one of ${values.join(', ')}` });
const url = () => z.url({ error: 'is not a URL' });
const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];
/** Express's `trust proxy` as a list: the names it knows and IP addresses or CIDR ranges, comma-separated. */
const trustedProxies = () =>
  z
    .string()
    .transform((value) => value.split(',').map((item) => item.trim()))
    .refine(
      (items) => items.every((item) => PROXY_NAMES.includes(item) || isIP(item.split('/')[0]!) !== 0),
      `is not a comma-separated list of ${PROXY_NAMES.join(', ')}, IP addresses and CIDR ranges`,
    );

export const SERVICE_ROLES = ['all', 'users-api', 'catalog-api', 'orders-api', 'markets-api', 'projector', 'saga-worker', 'payment-gateway', 'gateway'] as const;
export type ServiceRole = (typeof SERVICE_ROLES)[number];
/** The variable that names where each role serving routes is, for the gateway (and the users API for the others). */
export const ROLE_URL_VARIABLES = {
  'users-api': 'USERS_API_URL',
  'catalog-api': 'CATALOG_API_URL',
  'orders-api': 'ORDERS_API_URL',
  'markets-api': 'MARKETS_API_URL',
  projector: 'PROJECTOR_URL',
  'saga-worker': 'SAGA_WORKER_URL',
} as const satisfies Partial<Record<ServiceRole, string>>;
/** The all-in-one process and the projector keep the read models; the API roles only read them. */
export const runsProjections = (role: ServiceRole): boolean => role === 'all' || role === 'projector';
/** The all-in-one process and the saga workers run the sagas (BullMQ's competing consumers, with Redis). */
export const runsSagas = (role: ServiceRole): boolean => role === 'all' || role === 'saga-worker';

/** Every environment variable the platform reads (the table in docs/configuration.md), validated once at boot. */
export const ConfigSchema = z
  .object({
    PORT: integer(0, 65_535, 'a port (an integer from 0 to 65535)').default(3000),
    DATA_DIR: z.string().min(1).default('./data'),
    ADMIN_EMAIL: z.email({ error: 'is not an email address' }).optional(),
    ADMIN_PASSWORD: z.string().min(8, 'must be 8 to 128 characters long').max(128, 'must be 8 to 128 characters long').optional(),
    EVENTSTORE_URL: optionalUrl(['esdb://', 'esdb+discover://', 'sqlite:', 'memory:']),
    MONGODB_URL: optionalUrl(['mongodb://', 'mongodb+srv://']),
    REDIS_URL: optionalUrl(['redis://', 'rediss://']),
    PAYMENT_GATEWAY_URL: url().optional(),
    PAYMENT_TIMEOUT_MS: integer(1, 86_400_000).default(30_000),
    PAYMENT_GATEWAY_TIMEOUT_MS: integer(1, 600_000).default(2_000),
    SAGA_QUEUE: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,100}$/, 'is not 1 to 100 letters, digits, - and _')
      .default('ledgerflow-sagas'),
    SAGA_THREAD: oneOf(['on', 'off']).default('on'),
    SAGA_ATTEMPTS: integer(1, 100).default(8),
    SAGA_BACKOFF_MS: integer(1, 600_000).default(500),
    SAGA_BACKOFF_MAX_MS: integer(1, 3_600_000).default(10_000),
    PROJECTION_LEASE_MS: integer(300, 600_000).default(5_000),
    LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    SIGNIN_FAILURES_PER_EMAIL: integer(1, 1_000_000).default(5),
    SIGNIN_FAILURES_PER_ADDRESS_PER_DAY: integer(1, 10_000_000).default(100),
    SIGNINS_PER_ADDRESS_PER_MIN: integer(1, 1_000_000).default(600),
    RATE_LIMIT_PER_MIN: integer(1, 10_000_000).optional(),
    SQLITE_SYNCHRONOUS: oneOf(['NORMAL', 'FULL']).default('NORMAL'),
    SERVICE_ROLE: oneOf(SERVICE_ROLES).default('all'),
    USERS_API_URL: url().optional(),
    CATALOG_API_URL: url().optional(),
    ORDERS_API_URL: url().optional(),
    MARKETS_API_URL: url().optional(),
    PROJECTOR_URL: url().optional(),
    SAGA_WORKER_URL: url().optional(),
    GATEWAY_TIMEOUT_MS: integer(1, 600_000).default(10_000),
    TRUST_PROXY: trustedProxies().default(['loopback']),
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

export class ConfigError extends StartupError {
  override readonly name = 'ConfigError';
}

/** Variables whose values are never repeated in a message or a log line. */
export const SECRET_VARIABLES: ReadonlySet<string> = new Set(['ADMIN_PASSWORD', 'JWT_PRIVATE_KEY']);

/** A server URL as it may be shown: no user name or password, no query parameter that looks like a secret. */
export const withoutCredentials = (value: string): string => {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    return value.replace(/\/\/[^/@]*@/, '//');
  }
  parsed.username = '';
  parsed.password = '';
  for (const name of [...parsed.searchParams.keys()]) if (/pass|secret|token|key/i.test(name)) parsed.searchParams.set(name, '***');
  return parsed.toString();
};

/** A value as a bad-configuration message quotes it: secrets never, URLs without their credentials, long ones cut. */
const quoted = (name: string, value: string): string | undefined => {
  if (SECRET_VARIABLES.has(name)) return undefined;
  const shown = name.endsWith('_URL') ? withoutCredentials(value) : value;
  return JSON.stringify(shown.length > 80 ? `${shown.slice(0, 77)}...` : shown);
};

/**
 * Reads the configuration; empty variables count as unset. A bad value throws a one-line message naming the variable
 * and quoting its value (secrets excepted): `invalid configuration: PORT: "abc" is not a port (…)`.
 */
export const loadConfig = (env: NodeJS.ProcessEnv = process.env): Config => {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== '')) as Record<string, string>;
  const parsed = ConfigSchema.safeParse(present, { reportInput: true });
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const name = issue.path.join('.');
  // A rule about one variable quotes its value; a rule across several (an object as input) only names them.
  const value = name in present && typeof issue.input !== 'object' ? quoted(name, present[name]!) : undefined;
  throw new ConfigError(`invalid configuration: ${name || 'environment'}: ${value === undefined ? '' : `${value} `}${issue.message}`);
};
