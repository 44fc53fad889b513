import type { Request } from 'express';
import type { CommandContext } from '../../application/commands/command-context.js';

export type Role = 'customer' | 'admin' | 'service';

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
    }
  }
}

export const commandContext = (req: Request): CommandContext => ({
  correlationId: req.correlationId,
  ...(req.principal ? { userId: req.principal.userId } : {}),
  traceparent: req.traceparent,
});
