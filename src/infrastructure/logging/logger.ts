import { pino, type Logger } from 'pino';

/** Structured logs; secrets that could reach a log line by accident are redacted by path. */
export const createLogger = (level: string): Logger =>
  pino({
    level,
    redact: {
      paths: ['password', '*.password', 'passwordHash', '*.passwordHash', 'req.headers.authorization', 'req.body.password', 'accessToken'],
      censor: '[redacted]',
    },
  });

export type { Logger };
