/** What the saga bench asks of ledgerflow's API outside the load: tokens, a customer, products, the saga view. */
import { randomBytes } from 'node:crypto';

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

/** Registers a customer and answers their access token. */
export const customerToken = async (url: string): Promise<string> => {
  const email = `bench-customer-${randomBytes(6).toString('hex')}@example.com`;
  const password = randomBytes(12).toString('base64url');
  const response = await fetch(`${url}/api/v1/users`, { method: 'POST', headers: json(), body: JSON.stringify({ email, password, name: 'Bench Customer' }) });
  await expectStatus(response, 201, 'POST /api/v1/users');
  return signIn(url, email, password);
};

/** Creates `count` products with `initialStock` each (ten at a time) and answers their ids. */
export const createProducts = async (url: string, admin: string, count: number, initialStock: number): Promise<string[]> => {
  const ids: string[] = new Array(count);
  const create = async (i: number) => {
    const response = await fetch(`${url}/api/v1/products`, {
      method: 'POST',
      headers: json(admin),
      body: JSON.stringify({
        sku: `SAGA-BENCH-${String(i).padStart(4, '0')}`,
        name: `Saga bench product ${i}`,
        price: { amount: 500 + i, currency: 'EUR' },
        initialStock,
      }),
    });
    ids[i] = ((await expectStatus(response, 201, 'POST /api/v1/products')) as { id: string }).id;
  };
  for (let start = 0; start < count; start += 10) await Promise.all(Array.from({ length: Math.min(10, count - start) }, (_, k) => create(start + k)));
  return ids;
};

/** The saga view's status of an order's saga (GET /api/v1/sagas/:id as admin); undefined when it has no saga yet. */
export const sagaStatus = async (url: string, admin: string, orderId: string): Promise<{ status: string; steps: { name: string; status: string }[] } | undefined> => {
  const response = await fetch(`${url}/api/v1/sagas/${orderId}`, { headers: json(admin) });
  if (response.status === 404) {
    await response.text();
    return undefined;
  }
  return (await expectStatus(response, 200, `GET /api/v1/sagas/${orderId}`)) as { status: string; steps: { name: string; status: string }[] };
};

/** The order as GET /api/v1/orders/:id answers it (admin). */
export const orderStatus = async (url: string, admin: string, orderId: string): Promise<string> => {
  const response = await fetch(`${url}/api/v1/orders/${orderId}`, { headers: json(admin) });
  return ((await expectStatus(response, 200, `GET /api/v1/orders/${orderId}`)) as { status: string }).status;
};

/** How many sagas the saga view still has running (GET /api/v1/sagas?status=running, every page). */
export const runningSagas = async (url: string, admin: string): Promise<number> => {
  let count = 0;
  let cursor: string | null = null;
  do {
    const response = await fetch(`${url}/api/v1/sagas?status=running&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { headers: json(admin) });
    const page = (await expectStatus(response, 200, 'GET /api/v1/sagas?status=running')) as { items: unknown[]; nextCursor: string | null };
    count += page.items.length;
    cursor = page.nextCursor;
  } while (cursor);
  return count;
};
