import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * A role as the gateway sees it, for gateway specs: answers every request with what it saw (`{ role, method, url,
 * headers, body }`) and remembers it. `GET /health/ready` answers ready; `jwks` is served at /.well-known/jwks.json.
 * Steered by the request's `x-stub` header: `hang` never answers; `stream` answers server-sent events: the head at
 * once, an event `streamGapMs` later and another `streamGapMs` after that, then ends.
 */
export class StubRole {
  readonly seen: SeenRequest[] = [];
  private server: Server | undefined;
  url = '';
  port = 0;

  constructor(
    readonly role: string,
    private readonly options: { jwks?: () => Promise<unknown>; streamGapMs?: number } = {},
  ) {}

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', async () => {
        if (req.url === '/health/ready') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ready","checks":[]}');
        if (req.url === '/.well-known/jwks.json' && this.options.jwks)
          return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(await this.options.jwks()));
        const seen = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks) };
        this.seen.push(seen);
        const steer = req.headers['x-stub'];
        if (steer === 'hang') return;
        if (steer === 'stream') {
          res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' }).flushHeaders();
          const gap = this.options.streamGapMs ?? 1_000;
          setTimeout(() => res.write('id: 1\ndata: first\n\n'), gap);
          setTimeout(() => res.end('id: 2\ndata: second\n\n'), 2 * gap);
          return;
        }
        res
          .writeHead(200, { 'content-type': 'application/json', 'x-answered-by': this.role })
          .end(JSON.stringify({ role: this.role, ...seen, body: seen.body.toString('base64') }));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    this.url = `http://127.0.0.1:${this.port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
