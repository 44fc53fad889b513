// How values read on the page.

const pad = (value, length = 2) => String(value).padStart(length, '0');

/** An instant as `YYYY-MM-DD HH:MM:SS.mmm` in the browser's time zone (the ISO form stays in the title). */
export const instant = (iso) => {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso ?? '');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
};

/** `in 12 s`, `3 min ago`: how far `iso` is from `now`. */
export const relative = (iso, now = Date.now()) => {
  const ms = Date.parse(iso) - now;
  const seconds = Math.round(Math.abs(ms) / 1000);
  const amount = seconds < 120 ? `${seconds} s` : seconds < 7200 ? `${Math.round(seconds / 60)} min` : `${Math.round(seconds / 3600)} h`;
  return ms >= 0 ? `in ${amount}` : `${amount} ago`;
};

/** A duration in ms as `850 ms`, `12.3 s`, `4 min 2 s`. */
export const duration = (ms) => {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
};

/** The first 8 characters of an id, for tables (the whole id is in the link and its title). */
export const shortId = (id) => String(id ?? '').slice(0, 8);

/** A decimal string or number with thousands separated. */
export const count = (value) => {
  try {
    return BigInt(value).toLocaleString('en');
  } catch {
    return String(value);
  }
};

/** A JSON value on one line, cut to `max` characters. */
export const compact = (value, max = 120) => {
  if (value === undefined) return '—';
  const text = JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
};

/** Compares two positions or revisions (decimal strings): for sort. */
export const byPosition = (a, b) => {
  const left = BigInt(a.position);
  const right = BigInt(b.position);
  return left < right ? -1 : left > right ? 1 : 0;
};
