import { Agent, type ClientRequest } from 'node:http';
import type { Request, Response } from 'express';
import { createProxyMiddleware, debugProxyErrorsPlugin, type Plugin } from 'http-proxy-middleware';
import type { Logger } from '../logging/logger.js';
import { Problem } from '../http/problem.js';


/** What a client is told to wait before it asks again when a role is down or slow. */
export const RETRY_AFTER_SECONDS = 5;

export interface RoleProxyOptions {
  /** The role that serves the request and its base URL (the gateway has found them before). */
  targetOf(req: Request): { role: string; url: string };
  /** How long a role may take to start answering (its status line and headers) once the request is sent. */
  timeoutMs: number;
  logger: Logger;
}

export interface RoleProxy {
  handler: ReturnType<typeof createProxyMiddleware<Request, Response>>;
  /** Ends the answers that stream (server-sent events), which would otherwise keep the gateway from stopping. */
  endStreams(): void;
  close(): void;
}

class RoleTimeout extends Error {
  override readonly name = 'RoleTimeout';
  readonly code = 'ETIMEDOUT';
}

const roleUnavailable = (res: Response, detail: string): void => {
  const problem = new Problem(503, 'Service unavailable', detail, undefined, { 'Retry-After': String(RETRY_AFTER_SECONDS) });
  res.status(problem.status);
  for (const [name, value] of Object.entries(problem.headers)) res.setHeader(name, value);
  res.type('application/problem+json').send(JSON.stringify(problem.toJSON()));
};

/**
 * Forwards a request to its role with http-proxy-middleware, as it came: method, path, query, headers (with
 * X-Correlation-Id as the gateway has it and X-Forwarded-For/-Proto/-Host added) and the body as a stream, never
 * parsed. The answer streams back as the role sends it, so server-sent events pass unbuffered.
 *
 * A role that refuses the connection, or has not begun to answer `timeoutMs` after the request was sent, is answered
 * for by a 503 problem with Retry-After. Only the wait for the answer's head is timed: a stream may then stay open
 * and quiet for as long as the role keeps it.
 */
export const roleProxy = ({ targetOf, timeoutMs, logger }: RoleProxyOptions): RoleProxy => {
  const agent = new Agent({ keepAlive: true });
  const streams = new Set<Response>();
  const timeAnswer = (proxyReq: ClientRequest): void => {
    let timer: NodeJS.Timeout | undefined;
    const stop = () => clearTimeout(timer);
    proxyReq.once('finish', () => {
      timer = setTimeout(() => proxyReq.destroy(new RoleTimeout(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    proxyReq.once('response', stop);
    proxyReq.once('close', stop);
  };
  // The handlers of the proxy's events, subscribed as the library's proxyEventsPlugin would (typed for express's
  // request and response, of which its plugins' node ones are the base).
  const events: Plugin<Request, Response> = (proxyServer) => {
    proxyServer.on('proxyReq', (proxyReq, req) => {
      proxyReq.setHeader('X-Correlation-Id', req.correlationId);
      timeAnswer(proxyReq);
    });
    proxyServer.on('proxyRes', (proxyRes, _req, res) => {
      if (!String(proxyRes.headers['content-type'] ?? '').startsWith('text/event-stream')) return;
      streams.add(res);
      res.once('close', () => streams.delete(res));
      // The head goes out now, not with the first event (which may be long in coming): once http-proxy, right
      // after this event, has copied the role's status and headers.
      process.nextTick(() => {
        if (!res.writableEnded) res.flushHeaders();
      });
    });
    proxyServer.on('error', (error, req, res) => {
      const code = (error as NodeJS.ErrnoException).code ?? error.name;
      const { role, url } = targetOf(req);
      logger.warn({ correlationId: req.correlationId, url: req.originalUrl, role, target: url, code }, `${role} did not answer (${code})`);
      // Not an express response: a socket (an upgrade), which the gateway does not serve.
      if (!('status' in res)) return void res.destroy();
      // An answer already under way cannot become a problem any more: cut it, so the client sees it end.
      if (res.headersSent) return void res.destroy();
      roleUnavailable(res, error instanceof RoleTimeout ? 'the service did not answer in time; try again later' : 'the service is unavailable; try again later');
    });
  };
  const handler = createProxyMiddleware<Request, Response>({
    router: (req) => targetOf(req).url,
    agent,
    xfwd: true,
    // The role's own answers are passed on as they are; only the proxy's failures are the gateway's to answer.
    ejectPlugins: true,
    plugins: [(proxyServer) => debugProxyErrorsPlugin(proxyServer, {}), events],
  });
  return {
    handler,
    endStreams: () => {
      for (const res of streams) res.end();
    },
    close: () => agent.destroy(),
  };
};
