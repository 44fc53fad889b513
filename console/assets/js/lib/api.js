import { session } from './session.js';

/** An answer that is not a success: its status and problem document (RFC 9457), or whatever text came. */
export class ApiError extends Error {
  constructor(status, body) {
    const problem = typeof body === 'object' && body !== null ? body : {};
    const details = (problem.errors ?? []).map((error) => (error.path ? `${error.path}: ${error.message}` : error.message)).join('; ');
    const message = problem.detail ?? problem.title ?? (typeof body === 'string' && body !== '' ? body : `HTTP ${status}`);
    super(details === '' ? message : `${message} (${details})`);
    this.status = status;
    this.problem = problem;
  }
}

/** A call to the platform's API with the session's token; a 401 ends the session (it expired or was revoked). */
export const api = async (path, { method = 'GET', body, headers = {} } = {}) => {
  const token = session.token();
  const response = await fetch(path, {
    method,
    cache: 'no-store',
    headers: {
      Accept: 'application/json',
      ...(token === null ? {} : { Authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const type = response.headers.get('Content-Type') ?? '';
  const text = await response.text();
  const parsed = /json/.test(type) && text !== '' ? JSON.parse(text) : text;
  if (response.status === 401 && token !== null) session.end('The server refused your token (expired or revoked): sign in again.');
  if (!response.ok) throw new ApiError(response.status, parsed);
  return { status: response.status, headers: response.headers, body: parsed };
};

/** `path` with the query parameters that have a value. */
export const withQuery = (path, params) => {
  const query = new URLSearchParams(Object.entries(params).filter(([, value]) => value !== undefined && value !== null && value !== ''));
  const text = query.toString();
  return text === '' ? path : `${path}?${text}`;
};

/** Every item of a list, following `nextCursor`, up to `maxPages` pages (then `truncated`). */
export const allPages = async (path, params = {}, maxPages = 20) => {
  const items = [];
  let cursor;
  for (let page = 0; page < maxPages; page++) {
    const { body } = await api(withQuery(path, { ...params, limit: 100, cursor }));
    items.push(...body.items);
    if (!body.nextCursor) return { items, truncated: false };
    cursor = body.nextCursor;
  }
  return { items, truncated: true };
};

/** Exchanges an admin's email and password for a token, kept for this tab; refuses an account without the admin role. */
export const signIn = async (email, password) => {
  const response = await fetch('/api/v1/auth/token', {
    method: 'POST',
    cache: 'no-store',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, body);
  if (!session.rolesOf(body.accessToken).includes('admin')) throw new ApiError(403, { title: 'Forbidden', detail: 'this account is not an admin: the console is for admins' });
  session.start(body.accessToken);
};
