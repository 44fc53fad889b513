import type { Operation, Parameter, Schema } from './openapi-operations.js';
import type { SeededRandom } from '../../support/seeded-random.js';

/** What the platform holds before the fuzzing starts, so that valid requests reach past the id checks. */
export interface Seeded {
  adminEmail: string;
  customerEmail: string;
  customerPassword: string;
  userIds: string[];
  productIds: string[];
  orderIds: string[];
  marketIds: string[];
  outcomes: string[];
  projections: string[];
  eventTypes: string[];
}

const TOKENS = ['tok_visa', 'tok_declined', 'tok_flaky', 'tok_timeout'];

const uuid = (random: SeededRandom): string => {
  const hex = (length: number) => Array.from({ length }, () => random.int(0, 15).toString(16)).join('');
  return `${hex(8)}-${hex(4)}-7${hex(3)}-${random.pick(['8', '9', 'a', 'b'])}${hex(3)}-${hex(12)}`;
};

const future = (random: SeededRandom): string => new Date(Date.UTC(2031, random.int(0, 11), random.int(1, 28), random.int(0, 23))).toISOString();

/** A value a careful client would send for a field of this name, where its schema alone says too little. */
const byName = (name: string, random: SeededRandom, seeded: Seeded): unknown => {
  switch (name) {
    case 'productId':
      return random.chance(0.9) ? random.pick(seeded.productIds) : uuid(random);
    case 'email':
      return random.chance(0.3) ? random.pick([seeded.adminEmail, seeded.customerEmail]) : `fuzz-${random.word(10)}@example.com`;
    case 'password':
      return random.chance(0.3) ? seeded.customerPassword : random.word(random.int(8, 20));
    case 'paymentToken':
      return random.pick(TOKENS);
    case 'outcome':
    case 'winningOutcome':
      return random.pick(seeded.outcomes);
    case 'outcomes':
      return Array.from({ length: random.int(2, 4) }, (_, index) => `outcome ${index} ${random.word(4)}`);
    case 'currency':
      return random.pick(['EUR', 'EUR', 'USD']);
    case 'closesAt':
      return future(random);
    case 'delta':
      return random.pick([-1, 1, 2, 5, -2]);
    case 'quantity':
      return random.int(1, 3);
    case 'stake':
      return random.int(1, 100);
    case 'initialStock':
      return random.int(0, 50);
    case 'amount':
      return random.int(0, 10_000);
    case 'sku':
      return `FZ-${random.word(10)}`;
    case 'items': {
      const count = random.int(1, Math.min(3, seeded.productIds.length));
      const ids = [...seeded.productIds].sort(() => random.next() - 0.5).slice(0, count);
      return ids.map((productId) => ({ productId, quantity: random.int(1, 3) }));
    }
    default:
      return undefined;
  }
};

/** A value that satisfies `schema` (within what the fuzzer needs: the shapes of this document). */
export const validValue = (schema: Schema, random: SeededRandom, seeded: Seeded, name = ''): unknown => {
  const hinted = byName(name, random, seeded);
  if (hinted !== undefined) return hinted;
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return random.pick(schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return validValue(random.pick(alternatives.filter((each) => each.type !== 'null')), random, seeded, name);
  if (schema.allOf) return validValue(Object.assign({}, ...schema.allOf) as Schema, random, seeded, name);
  const type = Array.isArray(schema.type) ? schema.type.find((each) => each !== 'null') : schema.type;
  switch (type) {
    case 'object': {
      const value: Record<string, unknown> = {};
      for (const [key, property] of Object.entries(schema.properties ?? {}))
        if (schema.required?.includes(key) || random.chance(0.5)) value[key] = validValue(property, random, seeded, key);
      return value;
    }
    case 'array': {
      const count = random.int(schema.minItems ?? 0, Math.min(schema.maxItems ?? 3, (schema.minItems ?? 0) + 3));
      return Array.from({ length: count }, () => validValue(schema.items ?? {}, random, seeded));
    }
    case 'integer':
    case 'number': {
      const min = schema.minimum ?? (schema.exclusiveMinimum === undefined ? 0 : schema.exclusiveMinimum + 1);
      const max = Math.min(schema.maximum ?? min + 100, min + 100);
      return random.int(min, max);
    }
    case 'boolean':
      return random.chance(0.5);
    case 'string':
    default: {
      if (schema.format === 'uuid') return uuid(random);
      if (schema.format === 'email') return `fuzz-${random.word(8)}@example.com`;
      if (schema.format === 'date-time') return future(random);
      const length = Math.max(schema.minLength ?? 1, Math.min(schema.maxLength ?? 12, random.int(1, 12)));
      return random.word(length);
    }
  }
};

/** A path parameter that names something the platform holds (mostly), chosen by what the path is about. */
export const validPathParameter = (operation: Operation, parameter: Parameter, random: SeededRandom, seeded: Seeded): string => {
  const { path } = operation;
  if (parameter.name === 'name') return random.pick(seeded.projections);
  if (parameter.name === 'stream') {
    const [category, ids] = random.pick([
      ['product', seeded.productIds],
      ['order', seeded.orderIds],
      ['market', seeded.marketIds],
      ['user', seeded.userIds],
    ] as const);
    return `${category}-${random.pick(ids)}`;
  }
  if (random.chance(0.1)) return uuid(random);
  if (path.startsWith('/api/v1/users')) return random.pick(seeded.userIds);
  if (path.startsWith('/api/v1/products')) return random.pick(seeded.productIds);
  if (path.startsWith('/api/v1/orders')) return random.pick(seeded.orderIds);
  if (path.startsWith('/api/v1/markets')) return random.pick(seeded.marketIds);
  if (path.startsWith('/api/v1/sagas')) return random.pick([...seeded.orderIds, ...seeded.marketIds]);
  return uuid(random);
};

/** A query parameter value, or undefined to leave it out. */
export const validQueryParameter = (parameter: Parameter, random: SeededRandom, seeded: Seeded): string | undefined => {
  if (!parameter.required && random.chance(0.5)) return undefined;
  switch (parameter.name) {
    case 'limit':
      return String(random.int(1, 100));
    case 'cursor':
      return undefined;
    case 'type':
      return parameter.schema?.enum ? String(random.pick(parameter.schema.enum)) : random.pick(seeded.eventTypes);
    case 'fromPosition':
    case 'fromRevision':
      return String(random.int(0, 20));
    case 'streamPrefix':
      return random.pick(['product-', 'order-', 'market-', 'user-']);
    default: {
      const value = validValue(parameter.schema ?? { type: 'string' }, random, seeded, parameter.name);
      return String(value);
    }
  }
};
