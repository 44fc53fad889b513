import { randomUUID } from 'node:crypto';
import { type Server, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/** What Node's HTTP parser refused, as the status Node itself would answer (its default `clientError` handling). */
const statusOf = (code: string | undefined): number =>
  code === 'HPE_HEADER_OVERFLOW' ? 431 : code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW' ? 413 : code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;

const DETAILS: Record<number, string> = {
  400: 'the request is not well-formed HTTP/1.1 (request line, method, target or a header)',
  408: 'the request did not arrive in time',
  413: 'the chunk extensions of the request are too large',
  431: 'the request line and headers are over 16 KiB',
};

const answered = new WeakSet<Duplex>();
/** Per connection: the first bytes of the request being read (its method), and whether the next chunk starts one. */
const requestStarts = new WeakMap<Duplex, { next: boolean; start: string }>();

/**
 * Notes how each request on a connection starts, for an error the parser finds in a later chunk of it (a header
 * over 16 KiB): the answer to a HEAD has no body. A request starts a connection, and the first chunk after an answer.
 */
export const followRequestStarts = (server: Server): void => {
  server.on('connection', (socket: Duplex) => {
    const state = { next: true, start: '' };
    requestStarts.set(socket, state);
    socket.on('data', (chunk: Buffer) => {
      if (!state.next) return;
      state.start = chunk.subarray(0, 5).toString('latin1');
      state.next = false;
    });
  });
  server.on('request', (req, res) => {
    res.on('finish', () => {
      const state = requestStarts.get(req.socket);
      if (state) state.next = true;
    });
  });
};

/** Whether the request the parser refused is a HEAD: from the chunk it failed in, or the one that began the request. */
const isHead = (error: { rawPacket?: Buffer }, socket: Duplex): boolean => {
  const failedIn = error.rawPacket?.subarray(0, 5).toString('latin1') ?? '';
  const start = /^[A-Z]+ /.test(failedIn) ? failedIn : (requestStarts.get(socket)?.start ?? '');
  return start === 'HEAD ';
};

/**
 * A request Node's HTTP parser refuses never reaches the app, and Node would answer it with a bare status line. This
 * answers the same status as a problem document, as every other 4xx is, with a correlation id, then closes the
 * connection (the parser cannot go on with it). Whatever the client still sends is read and dropped for a moment
 * first, so that closing does not reset the connection before the client has read the answer.
 */
export const answerParserError = (error: Error & { code?: string; rawPacket?: Buffer }, socket: Duplex): void => {
  // Node's parser reports every later chunk of a refused request again: it is answered once, the rest is dropped.
  if (answered.has(socket)) return;
  // Node's own rule: answer only when no answer to an earlier request on this connection has begun.
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) return void socket.destroy();
  const status = statusOf(error.code);
  const title = STATUS_CODES[status] ?? 'Bad Request';
  const body = JSON.stringify({ type: `https://ledgerflow.dev/problems/${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`, title, status, detail: DETAILS[status] });
  answered.add(socket);
  socket.end(
    `HTTP/1.1 ${status} ${title}\r\n` +
      'Content-Type: application/problem+json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      `X-Correlation-Id: ${randomUUID()}\r\n` +
      'X-Content-Type-Options: nosniff\r\n' +
      'Connection: close\r\n\r\n' +
      // An answer to HEAD has no body, or the client would read it as the next answer.
      (isHead(error, socket) ? '' : body),
  );
  socket.on('error', () => undefined);
  socket.resume();
  setTimeout(() => socket.destroy(), 1000).unref();
};
