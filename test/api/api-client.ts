import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';

export interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

export interface CallOptions {
  token?: string | undefined;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A JSON call over real HTTP: `call('POST', '/api/v1/orders', { token, body })`. */
export const httpClient =
  (baseUrl: string) =>
  async (method: string, path: string, options: CallOptions = {}): Promise<Answer> => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...(options.token === undefined ? {} : { Authorization: `Bearer ${options.token}` }),
        ...options.headers,
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) };
  };

/** Read-your-writes: the headers that make a GET wait for the position a command answered with. */
export const afterWrite = (answer: Answer): Record<string, string> => ({ 'X-Min-Position': answer.headers.get('X-Position') ?? '0' });

export const uniqueEmail = (prefix = 'customer'): string => `${prefix}-${randomUUID()}@example.com`;

/** A problem+json answer with this status and, when given, this domain error code among its errors. */
export const isProblem = (answer: Answer, status: number, code?: string): void => {
  assert.equal(answer.status, status, JSON.stringify(answer.body));
  assert.match(answer.headers.get('Content-Type') ?? '', /^application\/problem\+json/);
  assert.equal(answer.body.status, status);
  if (code !== undefined) assert.ok(answer.body.errors.some((error: { message: string }) => error.message === code), JSON.stringify(answer.body));
};
