/**
 * The server's own base URL, known only once it listens (PORT=0 picks a free port). Set by the platform after
 * `listen`; read lazily by clients that call the platform's own API (the all-in-one server calls itself).
 */
export class OwnUrl {
  private url: string | undefined;

  set(url: string): void {
    this.url = url;
  }

  get(): string | undefined {
    return this.url;
  }
}
