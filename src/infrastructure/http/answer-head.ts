import { ServerResponse } from 'node:http';
import type { Express, Request, Response } from 'express';

/** Headers as Node's `writeHead` takes them in one list: name, value, name, value… */
export type HeaderList = readonly string[];

/** What every answer of an application carries, for the request it answers. */
export type HeadersOf = (req: Request) => HeaderList;

const HEADERS_OF = Symbol('the headers every answer carries');
type Carrying = Response & { [HEADERS_OF]?: HeadersOf };

const nodeWriteHead = ServerResponse.prototype.writeHead;

const setEach = (res: Response, headers: HeaderList, unlessSet: boolean): void => {
  for (let index = 0; index < headers.length; index += 2) {
    const name = headers[index]!;
    if (!unlessSet || !res.hasHeader(name)) res.setHeader(name, headers[index + 1]!);
  }
};

/**
 * Every answer of `app` carries `headersOf(req)`, however it is written (a route, the error handler, a file, a
 * stream): added as its head goes out, except those the route set itself (the console's own Content-Security-Policy).
 * Added there rather than by a middleware up front, so that `writeAnswerHead` can hand them to Node in one list.
 */
export const everyAnswerCarries = (app: Express, headersOf: HeadersOf): void => {
  const response = app.response as Carrying;
  response[HEADERS_OF] = headersOf;
  response.writeHead = function writeHead(this: Carrying, ...args: Parameters<Response['writeHead']>) {
    if (!this.headersSent) setEach(this, headersOf(this.req), true);
    return nodeWriteHead.apply(this, args);
  } as Response['writeHead'];
};

/**
 * Writes the head of an answer: `status`, `headers` and those every answer carries. When nothing has set a header
 * before, they go to Node as one list, which spares each header `setHeader`'s checks and bookkeeping (bench:http:
 * a GET's answer carries a dozen headers).
 */
export const writeAnswerHead = (res: Response, status: number, headers: HeaderList): void => {
  const headersOf = (res as Carrying)[HEADERS_OF];
  if (headersOf !== undefined && res.getHeaderNames().length === 0) return void nodeWriteHead.call(res, status, [...headersOf(res.req), ...headers]);
  setEach(res, headers, false);
  res.writeHead(status);
};
