import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
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
/** A request line that ends a line of the read (its method may follow the tail of an earlier request's body). */
const WHOLE_REQUEST_LINE = /([A-Z]+) [/*]\S* HTTP\/\d\.\d$/;
/** The request line the parser stopped in, cut where it stopped. */
const CUT_REQUEST_LINE = /([A-Z]+) [/*]\S*(?: \S*)?$/;

/**
 * Whether the refused request is a HEAD, as far as the read the parser failed in tells: the last request line that
 * starts before the byte it stopped at. That read may begin with the tail of an earlier request's body (answered
 * before its body was read), or in the middle of the refused request's headers: a header over 16 KiB may fail in a
 * later read, whose request is not known without following every connection's bytes (which would take Node's parser
 * off its fast path); such a HEAD gets the body too, on a connection that closes after it.
 */
const isHead = (error: { rawPacket?: Buffer; bytesParsed?: number }): boolean => {
  if (error.rawPacket === undefined) return false;
  const lines = error.rawPacket.subarray(0, error.bytesParsed ?? error.rawPacket.length).toString('latin1').split('\r\n');
  for (let index = lines.length - 1; index >= 0; index--) {
    const requestLine = (index === lines.length - 1 ? CUT_REQUEST_LINE : WHOLE_REQUEST_LINE).exec(lines[index] ?? '');
    if (requestLine) return requestLine[1]?.endsWith('HEAD') ?? false;
  }
  return false;
};

/**
 * A request Node's HTTP parser refuses never reaches the app, and Node would answer it with a bare status line. This
 * answers the same status as a problem document, as every other 4xx is, with a correlation id, then closes the
 * connection (the parser cannot go on with it). Whatever the client still sends is read and dropped meanwhile.
 */
export const answerParserError = (error: Error & { code?: string; rawPacket?: Buffer; bytesParsed?: number }, socket: Duplex): void => {
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
      (isHead(error) ? '' : body),
  );
  socket.on('error', () => undefined);
  socket.resume();
  // A client reads the answer and closes; one still sending (a large body) is cut off after a while. Cutting sooner
  // resets the connection while data is unread, which can drop the answer before the client reads it.
  setTimeout(() => socket.destroy(), 10_000).unref();
};
