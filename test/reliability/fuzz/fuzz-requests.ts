import { bodyOf, type Draft, pathOf } from './draft.js';
import { MUTATIONS } from './mutations.js';
import type { Operation } from './openapi-operations.js';
import { SeededRandom } from '../../support/seeded-random.js';
import { type Seeded, validPathParameter, validQueryParameter, validValue } from './valid-values.js';

export type Caller = 'anonymous' | 'customer' | 'admin';

export interface FuzzRequest {
  index: number;
  operation: string;
  caller: Caller;
  mutations: string[];
  method: string;
  /** The request target as it goes on the wire (Latin-1 characters as single bytes). */
  path: string;
  headers: Record<string, string>;
  body: Buffer | undefined;
}

export interface FuzzContext {
  seed: number;
  operations: readonly Operation[];
  seeded: Seeded;
  tokens: { customer: string; admin: string };
}

/** Left as generated: how often a request goes out valid, so that accepted commands are part of the run. */
const UNMUTATED = 0.2;
/** Each valid password costs the server a scrypt hash (tens of milliseconds, by design): these go out less often. */
const RARER: Readonly<Record<string, number>> = { registerUser: 0.05, issueToken: 0.05 };

const pickOperation = (operations: readonly Operation[], random: SeededRandom): Operation => {
  const weights = operations.map((operation) => RARER[operation.operationId] ?? 1);
  let ticket = random.next() * weights.reduce((sum, weight) => sum + weight, 0);
  for (const [index, operation] of operations.entries()) if ((ticket -= weights[index]!) < 0) return operation;
  return operations[operations.length - 1]!;
};

const callerFor = (operation: Operation, random: SeededRandom): Caller =>
  operation.signedIn ? random.pick<Caller>(['customer', 'customer', 'admin', 'admin', 'anonymous']) : random.pick<Caller>(['anonymous', 'customer', 'admin']);

/** Request `index` of the run: an operation of the document, filled with valid values, then (mostly) mutated. */
export const fuzzRequest = (index: number, context: FuzzContext): FuzzRequest => {
  const random = new SeededRandom(context.seed, index);
  const operation = pickOperation(context.operations, random);
  const caller = callerFor(operation, random);
  const draft: Draft = {
    method: operation.method,
    template: operation.path,
    pathParameters: {},
    pathSuffix: '',
    query: [],
    headers: { accept: 'application/json', 'x-correlation-id': `fuzz-${context.seed}-${index}` },
    body: operation.body === undefined ? undefined : { kind: 'json', value: validValue(operation.body, random, context.seeded) },
  };
  for (const parameter of operation.parameters) {
    if (parameter.in === 'path') draft.pathParameters[parameter.name] = encodeURIComponent(validPathParameter(operation, parameter, random, context.seeded));
    if (parameter.in === 'query') {
      const value = validQueryParameter(parameter, random, context.seeded);
      if (value !== undefined) draft.query.push([parameter.name, encodeURIComponent(value)]);
    }
  }
  if (draft.body !== undefined) draft.headers['content-type'] = 'application/json';
  if (caller !== 'anonymous') draft.headers.authorization = `Bearer ${context.tokens[caller]}`;
  if (operation.method === 'POST' && random.chance(0.3)) draft.headers['idempotency-key'] = `fuzz-${context.seed}-${index}`;

  const mutations: string[] = [];
  if (!random.chance(UNMUTATED)) {
    for (let count = random.int(1, 3); count > 0; count--) {
      const mutation = random.pick(MUTATIONS.filter((each) => each.applies(draft)));
      mutation.apply(draft, random, context.tokens[caller === 'anonymous' ? 'customer' : caller]);
      mutations.push(mutation.name);
    }
  }
  return { index, operation: operation.operationId, caller, mutations, method: draft.method, path: pathOf(draft), headers: draft.headers, body: bodyOf(draft) };
};

/** One line that reproduces the request: what a failure message shows. */
export const describeRequest = (request: FuzzRequest): string => {
  const clip = (text: string) => (text.length > 300 ? `${text.slice(0, 300)}… (${text.length} chars)` : text);
  const headers = Object.entries(request.headers)
    .filter(([name]) => name !== 'authorization' || !request.headers.authorization?.startsWith('Bearer ey'))
    .map(([name, value]) => `${name}: ${JSON.stringify(clip(value))}`)
    .join('; ');
  const body = request.body === undefined ? '' : ` body ${JSON.stringify(clip(request.body.toString('latin1')))}`;
  return `#${request.index} [${request.caller}; ${request.operation}; ${request.mutations.join(', ') || 'valid'}] ${request.method} ${JSON.stringify(clip(request.path))} {${headers}}${body}`;
};
