import { randomUUID } from 'node:crypto';
import { startPlatform } from '../../src/infrastructure/platform.js';

/**
 * The all-in-one platform in memory, over real HTTP, for API specs:
 *
 *   let platform: TestPlatform;
 *   before(async () => (platform = await startTestPlatform()));
 *   after(() => platform.stop());
 *   it('...', async () => {
 *     const ada = await platform.registerCustomer('Ada');            // { id, email, name, password, token }
 *     await fetch(`${platform.url}/api/v1/users/me`, { headers: { Authorization: `Bearer ${ada.token}` } });
 *   });
 *
 * `env` overrides any variable (e.g. `{ SIGNIN_FAILURES_PER_EMAIL: '2' }`); an admin (TEST_ADMIN) is ensured at boot.
 */
export const TEST_ADMIN = { email: 'admin@example.com', password: 'admin-password-1' } as const;

export interface Customer {
  id: string;
  email: string;
  name: string;
  password: string;
  token: string;
}

export interface TestPlatform {
  url: string;
  stop(): Promise<void>;
  /** A fresh access token for TEST_ADMIN. */
  adminToken(): Promise<string>;
  /** Registers a customer with a unique email and signs them in. */
  registerCustomer(name?: string): Promise<Customer>;
}

const postJson = async (url: string, body: unknown): Promise<{ status: number; body: any }> => {
  const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
};

export const startTestPlatform = async (env: Record<string, string> = {}): Promise<TestPlatform> => {
  const platform = await startPlatform({
    EVENTSTORE_URL: 'memory:',
    PORT: '0',
    LOG_LEVEL: 'silent',
    ADMIN_EMAIL: TEST_ADMIN.email,
    ADMIN_PASSWORD: TEST_ADMIN.password,
    ...env,
  });
  const token = async (email: string, password: string): Promise<string> => {
    const answer = await postJson(`${platform.url}/api/v1/auth/token`, { email, password });
    if (answer.status !== 200) throw new Error(`sign-in failed: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body.accessToken as string;
  };
  return {
    url: platform.url,
    stop: () => platform.stop(),
    adminToken: () => token(TEST_ADMIN.email, TEST_ADMIN.password),
    async registerCustomer(name = 'Ada Customer') {
      const email = `customer-${randomUUID()}@example.com`;
      const password = 'customer-password-1';
      const answer = await postJson(`${platform.url}/api/v1/users`, { email, password, name });
      if (answer.status !== 201) throw new Error(`registration failed: ${answer.status} ${JSON.stringify(answer.body)}`);
      return { id: answer.body.id as string, email, name, password, token: await token(email, password) };
    },
  };
};
