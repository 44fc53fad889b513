// Routes live in the URL's fragment (#/sagas/<id>): the server serves one page, every view has an address to link,
// bookmark and go back to, and links stay real links.

/** `#/a/b?x=1` → `{ parts: ['a', 'b'], params: { x: '1' } }`. */
export const parseRoute = (hash) => {
  const text = hash.replace(/^#\/?/, '');
  const at = text.indexOf('?');
  const path = at === -1 ? text : text.slice(0, at);
  const query = at === -1 ? '' : text.slice(at + 1);
  const parts = path
    .split('/')
    .filter(Boolean)
    .map((part) => {
      try {
        return decodeURIComponent(part);
      } catch {
        return part;
      }
    });
  return { parts, params: Object.fromEntries(new URLSearchParams(query)) };
};

/** The fragment for `parts` and `params` (empty params left out). */
export const href = (parts, params = {}) => {
  const query = new URLSearchParams(Object.entries(params).filter(([, value]) => value !== undefined && value !== null && value !== '')).toString();
  return `#/${parts.map((part) => encodeURIComponent(part)).join('/')}${query === '' ? '' : `?${query}`}`;
};

export const go = (parts, params) => {
  location.hash = href(parts, params);
};
