import { Agent, request } from 'node:http';

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * HTTP/1.1 over kept-alive connections, with the request target, header values and body sent as given: fetch would
 * normalise a path, refuse a Latin-1 byte in a header or a body on GET, which is what a fuzzer wants to send.
 */
export class RawHttp {
  private readonly agent: Agent;

  constructor(
    private readonly baseUrl: string,
    sockets: number,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: sockets });
  }

  send(method: string, path: string, headers: Record<string, string>, body: Buffer | undefined, timeoutMs = 15_000): Promise<RawAnswer> {
    const url = new URL(this.baseUrl);
    return new Promise((resolve, reject) => {
      const outgoing = request(
        {
          host: url.hostname,
          port: url.port,
          method,
          path,
          agent: this.agent,
          headers: { ...headers, ...(body === undefined ? {} : { 'content-length': String(body.length) }) },
          // The server's limits (16 KiB of headers) are what is being tried, not the client's.
          maxHeaderSize: 1024 * 1024,
          insecureHTTPParser: true,
        },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
          incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, body: Buffer.concat(chunks).toString('utf8') }));
          incoming.on('error', reject);
        },
      );
      outgoing.setTimeout(timeoutMs, () => outgoing.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
