import { pino, type Logger } from 'pino';

export interface LoggerOptions {
  /**
   * Lines for a person (pino-pretty, as a pino transport: a worker thread writes them) rather than one JSON object
   * per line. main.ts asks for it when stdout is a terminal; anything else (a file, a pipe, a log collector) gets JSON.
   */
  pretty?: boolean;
}

/** Structured logs; secrets that could reach a log line by accident are redacted by path. */
export const createLogger = (level: string, { pretty = false }: LoggerOptions = {}): Logger =>
  pino({
    level,
    redact: {
      paths: ['password', '*.password', 'passwordHash', '*.passwordHash', 'req.headers.authorization', 'req.body.password', 'accessToken'],
      censor: '[redacted]',
    },
    ...(pretty && level !== 'silent'
      ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } }
      : {}),
  });

export type { Logger };
