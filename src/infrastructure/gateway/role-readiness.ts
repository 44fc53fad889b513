import type { ReadinessCheck } from '../http/endpoints/operations-endpoints.js';

const ASK_FOR_MS = 2_000;

/** Why a fetch failed, in a word or two (fetch itself only says "fetch failed"). */
const whyUnreachable = (error: unknown): string => {
  if (error instanceof Error && error.name === 'TimeoutError') return `no answer within ${ASK_FOR_MS} ms`;
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
};

/**
 * A readiness check per role: its own `GET /health/ready`. Ready when it answers 200; otherwise the detail names the
 * role's failing checks, or why it could not be asked.
 */
export const roleReadiness = (roles: ReadonlyMap<string, string>): ReadinessCheck[] =>
  [...roles].map(([role, url]) => ({
    name: role,
    check: async () => {
      let response: Response;
      try {
        response = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(ASK_FOR_MS) });
      } catch (error) {
        return { ok: false, detail: `unreachable: ${whyUnreachable(error)}` };
      }
      if (response.status === 200) {
        await response.body?.cancel();
        return { ok: true, detail: 'ready' };
      }
      const body = (await response.json().catch(() => undefined)) as { checks?: { name: string; ok: boolean }[] } | undefined;
      const failing = (body?.checks ?? []).filter((check) => !check.ok).map((check) => check.name);
      return { ok: false, detail: failing.length > 0 ? `not ready: ${failing.join(', ')}` : `not ready (${response.status})` };
    },
  }));
