/** What the HTTP bench asks of ledgerflow's API outside the load phases: a token, products, and their stock. */

const json = (token?: string): Record<string, string> => ({
  'Content-Type': 'application/json',
  ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }),
});

const expectStatus = async (response: Response, status: number, what: string): Promise<unknown> => {
  const text = await response.text();
  if (response.status !== status) throw new Error(`${what}: expected ${status}, got ${response.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as unknown;
};

export const signIn = async (url: string, email: string, password: string): Promise<string> => {
  const response = await fetch(`${url}/api/v1/auth/token`, { method: 'POST', headers: json(), body: JSON.stringify({ email, password }) });
  return ((await expectStatus(response, 200, 'POST /api/v1/auth/token')) as { accessToken: string }).accessToken;
};

export interface Seeded {
  ids: string[];
  /** The highest X-Position the creations answered. */
  position: bigint;
}

/** Creates `count` products with no stock, ten at a time. */
export const seedProducts = async (url: string, token: string, count: number): Promise<Seeded> => {
  const ids: string[] = new Array(count);
  let position = 0n;
  const create = async (i: number) => {
    const response = await fetch(`${url}/api/v1/products`, {
      method: 'POST',
      headers: json(token),
      body: JSON.stringify({
        sku: `BENCH-${String(i).padStart(4, '0')}`,
        name: `Bench product ${i}`,
        description: 'A product the HTTP bench reads and adjusts',
        price: { amount: 1999, currency: 'EUR' },
        initialStock: 0,
      }),
    });
    const header = response.headers.get('x-position');
    ids[i] = ((await expectStatus(response, 201, 'POST /api/v1/products')) as { id: string }).id;
    if (header !== null && BigInt(header) > position) position = BigInt(header);
  };
  for (let start = 0; start < count; start += 10)
    await Promise.all(Array.from({ length: Math.min(10, count - start) }, (_, k) => create(start + k)));
  return { ids, position };
};

export interface StockView {
  onHand: number;
  version: number;
}

/** Reads a product once its read model has processed `minPosition` (read-your-writes). */
export const readProduct = async (url: string, id: string, minPosition: bigint): Promise<StockView> => {
  const response = await fetch(`${url}/api/v1/products/${id}`, { headers: { 'X-Min-Position': minPosition.toString() } });
  const product = (await expectStatus(response, 200, `GET /api/v1/products/${id}`)) as { stock: { onHand: number }; version: number };
  return { onHand: product.stock.onHand, version: product.version };
};

export interface Verification {
  products: number;
  /** Products whose onHand is not the number of 2xx adjustments sent to them. */
  mismatches: { id: string; expected: number; onHand: number }[];
  expectedTotal: number;
  onHandTotal: number;
  ok: boolean;
}

/** Each product's `stock.onHand` must equal the 2xx adjustments (delta 1) it was sent; read at the last X-Position. */
export const verifyStock = async (url: string, ids: readonly string[], accepted: ReadonlyMap<string, number>, position: bigint): Promise<Verification> => {
  const mismatches: Verification['mismatches'] = [];
  let expectedTotal = 0;
  let onHandTotal = 0;
  for (const id of ids) {
    const { onHand } = await readProduct(url, id, position);
    const expected = accepted.get(id) ?? 0;
    expectedTotal += expected;
    onHandTotal += onHand;
    if (onHand !== expected) mismatches.push({ id, expected, onHand });
  }
  return { products: ids.length, mismatches, expectedTotal, onHandTotal, ok: mismatches.length === 0 };
};
