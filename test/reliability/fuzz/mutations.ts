import { type Draft, objectsOf, RawJson, setOwn, slotsOf } from './draft.js';
import type { SeededRandom } from '../../support/seeded-random.js';

export interface Mutation {
  name: string;
  applies(draft: Draft): boolean;
  apply(draft: Draft, random: SeededRandom, token: string): void;
}

const hasJson = (draft: Draft) => draft.body?.kind === 'json';
const jsonBody = (draft: Draft) => (draft.body as { kind: 'json'; value: unknown }).value;
const hasParameters = (draft: Draft) => Object.keys(draft.pathParameters).length > 0;

/** Replaces the value in one random slot of the body (or the whole body when it has none). */
const replaceSomewhere = (draft: Draft, random: SeededRandom, value: (old: unknown) => unknown) => {
  const slots = slotsOf(jsonBody(draft));
  if (slots.length === 0) return void (draft.body = { kind: 'json', value: value(jsonBody(draft)) });
  const [parent, key] = random.pick(slots);
  (parent as Record<string | number, unknown>)[key] = value((parent as Record<string | number, unknown>)[key]);
};

const nested = (random: SeededRandom): RawJson => {
  const depth = random.pick([64, 1000, 10_000, 200_000]);
  return random.chance(0.5) ? new RawJson('['.repeat(depth) + ']'.repeat(depth)) : new RawJson('{"a":'.repeat(depth) + '1' + '}'.repeat(depth));
};

const HUGE_NUMBERS = ['1e999', '-1e999', '1e308', '-0', '9007199254740993', '123456789012345678901234567890', '1.5', '1e-400', '0.0000001', '2e9'];
const OTHER_TYPES = [null, true, false, 0, -1, 1.5, '', '1', 'true', [], [1, 'a'], {}, { a: 1 }];
const PERCENT_JUNK = ['%', '%f', '%zz', '%ff', '%c0%af', '%00', '%2e%2e', '%E0%A4%A', '%uD800', '%ed%a0%80', '%ff%fe%fd', '%25%ff', '..', '.', '%2F', 'a%2Fb'];
/** Latin-1 characters go on the wire as single bytes: not UTF-8. */
const RAW_BYTES = ['\u00ff', '\u00c3\u0028', '\u00e2\u0082', '\u0080abc', '\u00f0\u009f\u0098'];

export const MUTATIONS: readonly Mutation[] = [
  // Bodies.
  { name: 'wrong type', applies: hasJson, apply: (draft, random) => replaceSomewhere(draft, random, () => structuredClone(random.pick(OTHER_TYPES))) },
  {
    name: 'missing field',
    applies: (draft) => hasJson(draft) && slotsOf(jsonBody(draft)).some(([parent]) => !Array.isArray(parent)),
    apply: (draft, random) => {
      const [parent, key] = random.pick(slotsOf(jsonBody(draft)).filter(([each]) => !Array.isArray(each)));
      delete (parent as Record<string, unknown>)[key as string];
    },
  },
  {
    name: 'extra field',
    applies: (draft) => hasJson(draft) && objectsOf(jsonBody(draft)).length > 0,
    apply: (draft, random) => void (random.pick(objectsOf(jsonBody(draft)))[random.pick(['extra', 'id', 'role', 'roles', 'status', 'version'])] = random.pick(OTHER_TYPES)),
  },
  {
    name: 'huge string',
    applies: hasJson,
    apply: (draft, random) => replaceSomewhere(draft, random, () => random.pick(['a', 'é', '😀', '\u0000', '\u202e']).repeat(random.pick([5_001, 100_000, 300_000]))),
  },
  { name: 'huge number', applies: hasJson, apply: (draft, random) => replaceSomewhere(draft, random, () => new RawJson(random.pick(HUGE_NUMBERS))) },
  {
    name: 'deep nesting',
    applies: () => true,
    apply: (draft, random) => {
      if (hasJson(draft) && random.chance(0.6)) replaceSomewhere(draft, random, () => nested(random));
      else draft.body = { kind: 'json', value: nested(random) };
      draft.headers['content-type'] ??= 'application/json';
    },
  },
  {
    name: '$ keys',
    applies: hasJson,
    apply: (draft, random) => {
      const operator = random.pick(['$gt', '$ne', '$where', '$set', '$regex', '$expr', '$function']);
      if (random.chance(0.5)) replaceSomewhere(draft, random, () => ({ [operator]: random.pick(['', null, 1, 'function () { return true }']) }));
      else {
        const objects = objectsOf(jsonBody(draft));
        if (objects.length > 0) random.pick(objects)[operator] = { $gt: '' };
        else draft.body = { kind: 'json', value: { [operator]: 1 } };
      }
    },
  },
  {
    name: 'prototype keys',
    applies: () => true,
    apply: (draft, random) => {
      const key = random.pick(['__proto__', 'constructor', 'prototype']);
      const value = key === 'constructor' ? { prototype: { polluted: true } } : { polluted: true, roles: ['admin'], admin: true };
      const objects = hasJson(draft) ? objectsOf(jsonBody(draft)) : [];
      if (objects.length > 0) setOwn(random.pick(objects), key, value);
      else {
        const body: Record<string, unknown> = {};
        setOwn(body, key, value);
        draft.body = { kind: 'json', value: body };
        draft.headers['content-type'] ??= 'application/json';
      }
    },
  },
  {
    name: 'invalid UTF-8 body',
    applies: () => true,
    apply: (draft, random) => {
      const junk = Buffer.from(random.pick([[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82]]));
      draft.body = { kind: 'raw', bytes: Buffer.concat([Buffer.from('{"name":"'), junk, Buffer.from('","email":"a@b.c"}')]) };
      draft.headers['content-type'] ??= 'application/json';
    },
  },
  {
    name: 'not JSON',
    applies: () => true,
    apply: (draft, random) => {
      const text = random.pick(['{', '}', 'undefined', "{'a':1}", '{"a":1}garbage', 'NaN', '[1,]', '{"a":1,}', '\u0000', '', ' ', '{"a":1}{"b":2}', '"\\ud800"']);
      draft.body = { kind: 'raw', bytes: Buffer.from(text, 'utf8') };
      draft.headers['content-type'] ??= 'application/json';
    },
  },
  {
    name: 'wrong root',
    applies: () => true,
    apply: (draft, random) => {
      draft.body = { kind: 'json', value: structuredClone(random.pick([null, [], [{}], 'text', 0, true, 1e21])) };
      draft.headers['content-type'] ??= 'application/json';
    },
  },
  { name: 'body over 1 MiB', applies: () => true, apply: (draft) => void ((draft.body = { kind: 'json', value: { pad: 'x'.repeat(1_100_000) } }), (draft.headers['content-type'] ??= 'application/json')) },
  // Paths.
  {
    name: 'percent junk in path',
    applies: () => true,
    apply: (draft, random) => {
      const junk = random.pick(PERCENT_JUNK);
      const names = Object.keys(draft.pathParameters);
      if (names.length > 0 && random.chance(0.8)) draft.pathParameters[random.pick(names)] = random.chance(0.5) ? junk : `${draft.pathParameters[random.pick(names)]}${junk}`;
      else draft.pathSuffix += `/${junk}`;
    },
  },
  {
    name: 'raw bytes in path',
    applies: () => true,
    apply: (draft, random) => {
      const names = Object.keys(draft.pathParameters);
      if (names.length > 0) draft.pathParameters[random.pick(names)] = random.pick(RAW_BYTES);
      else draft.pathSuffix += random.pick(RAW_BYTES);
    },
  },
  {
    name: 'odd id',
    applies: hasParameters,
    apply: (draft, random) => {
      const name = random.pick(Object.keys(draft.pathParameters));
      const current = draft.pathParameters[name]!;
      draft.pathParameters[name] = random.pick([
        current.toUpperCase(),
        `${current} `.trim() + '%20',
        `${current}x`,
        current.slice(0, -1),
        '00000000-0000-0000-0000-000000000000',
        'ffffffff-ffff-ffff-ffff-ffffffffffff',
        '0',
        '-1',
        'me',
        'null',
        'undefined',
        '__proto__',
        'constructor',
        '$where',
        'a'.repeat(random.pick([300, 10_000])),
      ]);
    },
  },
  {
    name: 'path shape',
    applies: () => true,
    apply: (draft, random) => {
      const shape = random.pick(['trailing slash', 'double slash', 'upper case', 'dot segment', 'extra segment', 'semicolon']);
      if (shape === 'trailing slash') draft.pathSuffix += '/';
      else if (shape === 'double slash') draft.template = draft.template.replace('/api/', '//api/');
      else if (shape === 'upper case') draft.template = draft.template.toUpperCase().replace(/\{(\w+)\}/g, (_, name: string) => `{${name.toLowerCase()}}`);
      else if (shape === 'dot segment') draft.template = draft.template.replace('/v1/', '/v1/./');
      else if (shape === 'extra segment') draft.pathSuffix += `/${random.word(5)}`;
      else draft.pathSuffix += ';jsessionid=1';
    },
  },
  // Queries.
  {
    name: 'query junk',
    applies: () => true,
    apply: (draft, random) => {
      const name = random.pick(['limit', 'cursor', 'status', 'q', 'type', 'fromPosition', 'fromRevision', 'direction', 'asOf', 'unknown', 'limit[]', 'limit[a]', '__proto__', '$where']);
      const value = random.pick(['0x10', '1e2', '-1', '0', '101', '', '%20', '5.0', '%D9%A1', '99999999999999999999', '%ff', '%', '!!!', 'eyJ4IjoxfQ', 'x'.repeat(5000), '%00', '\u00ff', 'null']);
      if (random.chance(0.3)) draft.query.push([name, value], [name, random.pick(['1', '2', 'abc'])]);
      else draft.query.push([name, value]);
    },
  },
  // Headers.
  {
    name: 'bad Content-Type',
    applies: () => true,
    apply: (draft, random) => {
      draft.headers['content-type'] = random.pick([
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/json; charset=utf-16',
        'application/json; charset=latin1',
        'application/json; charset=nonsense',
        'application/jsonx',
        'application/*',
        '*/*',
        'application/merge-patch+json',
        'application/json, text/plain',
        'json',
        ';;;',
        '\u00ff',
      ]);
      draft.body ??= { kind: 'json', value: {} };
    },
  },
  {
    name: 'huge header',
    applies: () => true,
    apply: (draft, random) => void (draft.headers[random.pick(['x-padding', 'cookie', 'user-agent', 'accept'])] = 'h'.repeat(random.pick([8_000, 20_000, 70_000]))),
  },
  {
    name: 'bad Authorization',
    applies: () => true,
    apply: (draft, random, token) => {
      const [header, payload] = token.split('.');
      const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.`;
      draft.headers.authorization = random.pick([
        'Basic YWRtaW46YWRtaW4=',
        'Bearer',
        'Bearer ',
        'Bearer x.y.z',
        `Bearer ${token} extra`,
        `Bearer ${token.slice(0, -2)}AA`,
        `Bearer ${none}`,
        `Bearer ${header}..`,
        `Token ${token}`,
        `Bearer  ${token}`,
        `Bearer ${'a'.repeat(9000)}`,
        'Bearer \u00ff\u00fe',
        'Digest username="admin"',
        `Bearer ${token}, Bearer ${token}`,
      ]);
    },
  },
  {
    name: 'X-Min-Position junk',
    applies: () => true,
    apply: (draft, random) =>
      void (draft.headers['x-min-position'] = random.pick(['-1', 'abc', '', '0x10', '1e3', '99999999999999999999', ' 1', '1.0', '\u00ff', '18446744073709551616', '9223372036854775807', '999999999', '0', '1', '3'])),
  },
  {
    name: 'Idempotency-Key junk',
    applies: () => true,
    apply: (draft, random) => void (draft.headers['idempotency-key'] = random.pick(['', ' ', 'k'.repeat(201), 'k'.repeat(200), '\u00ff\u00fe', 'shared-key', 'a, b', '%ff', '__proto__'])),
  },
  {
    name: 'If-Match junk',
    applies: () => true,
    apply: (draft, random) =>
      void (draft.headers['if-match'] = random.pick(['*', '1', '"1"', 'W/"1"', '"-1"', '"99999999999999999999"', '"abc"', '""', '"1", "2"', '"9223372036854775807"', '"0"', '\u00ff'])),
  },
  {
    name: 'X-Correlation-Id junk',
    applies: () => true,
    apply: (draft, random) => void (draft.headers['x-correlation-id'] = random.pick(['', 'x'.repeat(500), '\u00ff', 'a b', '../..', '$where', '__proto__'])),
  },
  {
    name: 'odd encoding headers',
    applies: () => true,
    apply: (draft, random) => {
      const [name, value] = random.pick([
        ['content-encoding', 'gzip'],
        ['content-encoding', 'br'],
        ['content-encoding', 'nonsense'],
        ['accept', 'application/xml'],
        ['accept', '\u00ff'],
        ['accept-charset', 'utf-16'],
        ['x-http-method-override', 'DELETE'],
        ['x-forwarded-for', '1.2.3.4, junk'],
        ['range', 'bytes=0-1'],
        ['if-none-match', '"0"'],
      ] as const);
      draft.headers[name] = value;
    },
  },
  {
    name: 'other method',
    applies: () => true,
    apply: (draft, random) => void (draft.method = random.pick(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'].filter((method) => method !== draft.method))),
  },
];
