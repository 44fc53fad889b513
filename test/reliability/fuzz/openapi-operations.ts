/** The operations of a served OpenAPI 3.1 document, with every local `$ref` resolved: what the fuzzer starts from. */

export type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  pattern?: string;
  format?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  $ref?: string;
};

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
}

export interface Operation {
  method: string;
  /** As the document writes it: `/api/v1/products/{id}`. */
  path: string;
  operationId: string;
  signedIn: boolean;
  parameters: Parameter[];
  body: Schema | undefined;
}

export type OpenApiDocument = { paths: Record<string, Record<string, any>>; components?: Record<string, Record<string, unknown>> };

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** Replaces every `{ $ref: '#/…' }` by what it points to (the document's refs are acyclic). */
const resolve = (document: OpenApiDocument, value: any, depth = 0): any => {
  if (depth > 50) throw new Error('the OpenAPI document nests deeper than 50 levels (a cyclic $ref?)');
  if (Array.isArray(value)) return value.map((item) => resolve(document, item, depth + 1));
  if (value === null || typeof value !== 'object') return value;
  if (typeof value.$ref === 'string') {
    const target = (value.$ref as string)
      .replace(/^#\//, '')
      .split('/')
      .reduce((node: any, key) => node?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], document);
    if (target === undefined) throw new Error(`unresolved $ref ${value.$ref}`);
    return resolve(document, target, depth + 1);
  }
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolve(document, item, depth + 1)]));
};

export const operationsOf = (document: OpenApiDocument): Operation[] =>
  Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.filter((method) => item[method] !== undefined).map((method) => {
      const operation = resolve(document, item[method]);
      const shared = resolve(document, item.parameters ?? []) as Parameter[];
      return {
        method: method.toUpperCase(),
        path,
        operationId: operation.operationId ?? `${method} ${path}`,
        signedIn: Array.isArray(operation.security) && operation.security.some((requirement: object) => Object.keys(requirement).length > 0),
        parameters: [...shared, ...((operation.parameters ?? []) as Parameter[])],
        body: operation.requestBody?.content?.['application/json']?.schema as Schema | undefined,
      };
    }),
  );
