/** A request being built: every part still open to a mutation, each written as it goes on the wire. */
export interface Draft {
  method: string;
  /** The document's path template, `{name}` for each parameter. */
  template: string;
  /** Path parameters, already percent-encoded (a mutation may put anything here, raw). */
  pathParameters: Record<string, string>;
  /** Appended to the path after the parameters are put in (a trailing slash, an extra segment). */
  pathSuffix: string;
  /** Query pairs as they go on the wire: already encoded. */
  query: [string, string][];
  headers: Record<string, string>;
  body: { kind: 'json'; value: unknown } | { kind: 'raw'; bytes: Buffer } | undefined;
}

/** JSON text put in as it is where a value goes: numbers JSON.stringify cannot write (1e999), deep nesting. */
export class RawJson {
  constructor(readonly text: string) {}
}

/** JSON.stringify, except that RawJson goes in as it is and own `__proto__` keys are written like any other. */
export const serialise = (value: unknown): string => {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(serialise).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.keys(value)
      .map((key) => `${JSON.stringify(key)}:${serialise((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
};

/** Sets an own property, `__proto__` included (a plain assignment would change the object's prototype instead). */
export const setOwn = (target: Record<string, unknown>, key: string, value: unknown): void => {
  Object.defineProperty(target, key, { value, enumerable: true, configurable: true, writable: true });
};

/** The request target; what no HTTP/1.1 request line can carry as it is (a space, a character past Latin-1) is percent-encoded. */
export const pathOf = (draft: Draft): string =>
  (
    draft.template.replace(/\{(\w+)\}/g, (_, name: string) => draft.pathParameters[name] ?? '') +
    draft.pathSuffix +
    (draft.query.length === 0 ? '' : `?${draft.query.map(([name, value]) => `${name}=${value}`).join('&')}`)
  ).replace(/[^\u0021-\u00ff]/gu, (character) => encodeURIComponent(character));

export const bodyOf = (draft: Draft): Buffer | undefined => {
  if (draft.body === undefined) return undefined;
  return draft.body.kind === 'raw' ? draft.body.bytes : Buffer.from(serialise(draft.body.value), 'utf8');
};

/** Every place in a JSON value where another value could go: [parent, key] pairs, the root excluded. */
export const slotsOf = (value: unknown): [Record<string, unknown> | unknown[], string | number][] => {
  const slots: [Record<string, unknown> | unknown[], string | number][] = [];
  const visit = (node: unknown) => {
    if (Array.isArray(node))
      node.forEach((item, index) => {
        slots.push([node, index]);
        visit(item);
      });
    else if (node !== null && typeof node === 'object' && !(node instanceof RawJson))
      for (const key of Object.keys(node)) {
        slots.push([node as Record<string, unknown>, key]);
        visit((node as Record<string, unknown>)[key]);
      }
  };
  visit(value);
  return slots;
};

/** Every object in a JSON value, the root included. */
export const objectsOf = (value: unknown): Record<string, unknown>[] => {
  const objects: Record<string, unknown>[] = [];
  const visit = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node !== null && typeof node === 'object' && !(node instanceof RawJson)) {
      objects.push(node as Record<string, unknown>);
      Object.values(node).forEach(visit);
    }
  };
  visit(value);
  return objects;
};
