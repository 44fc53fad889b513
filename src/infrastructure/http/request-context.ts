import type { Request } from 'express';
import { z } from 'zod';
import type { CommandContext, RequestIdentity } from '../../application/commands/command-context.js';
import { Role as UserRole } from '../../domain/users/events.js';

/** Who a token speaks for: a user's roles, or `service` for one of the platform's own services (enrichment). */
export const Role = z.enum([...UserRole.options, 'service']);
export type Role = z.infer<typeof Role>;

export interface Principal {
  userId: string;
  roles: readonly Role[];
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      correlationId: string;
      /** This request's span (see middleware/trace-context.ts). */
      traceparent: string;
      principal?: Principal;
      /** Set by the Idempotency-Key middleware for a request that carries the header and is to be handled. */
      idempotency?: RequestIdentity;
    }
  }
}

export const commandContext = (req: Request): CommandContext => ({
  correlationId: req.correlationId,
  ...(req.principal ? { userId: req.principal.userId } : {}),
  traceparent: req.traceparent,
  ...(req.idempotency ? { idempotency: req.idempotency } : {}),
});
