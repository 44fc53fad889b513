// What an event changed: the differences between two JSON values, leaf by leaf.

const isObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);

const join = (path, key) => (typeof key === 'number' ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`);

/**
 * Every difference between `before` and `after` as `{ path, kind: 'added' | 'removed' | 'changed', before, after }`,
 * in document order; objects and arrays are compared member by member, anything else as a whole. `before` null or
 * undefined (the resource did not exist yet) makes every member of `after` added.
 */
export const diff = (before, after, path = '') => {
  if (Object.is(before, after)) return [];
  const bothObjects = isObject(before) && isObject(after);
  const bothArrays = Array.isArray(before) && Array.isArray(after);
  if (!bothObjects && !bothArrays) {
    const created = (before === undefined || before === null) && path === '';
    if (created && (isObject(after) || Array.isArray(after))) return diff(Array.isArray(after) ? [] : {}, after, path);
    if (before === undefined) return [{ path, kind: 'added', before, after }];
    if (after === undefined) return [{ path, kind: 'removed', before, after }];
    return [{ path, kind: 'changed', before, after }];
  }
  const keys = bothArrays
    ? Array.from({ length: Math.max(before.length, after.length) }, (_, index) => index)
    : [...Object.keys(before), ...Object.keys(after).filter((key) => !(key in before))];
  const changes = [];
  for (const key of keys) {
    const had = bothArrays ? key < before.length : key in before;
    const has = bothArrays ? key < after.length : key in after;
    const at = join(path, key);
    if (!had) changes.push({ path: at, kind: 'added', before: undefined, after: after[key] });
    else if (!has) changes.push({ path: at, kind: 'removed', before: before[key], after: undefined });
    else changes.push(...diff(before[key], after[key], at));
  }
  return changes;
};
