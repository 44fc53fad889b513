import { createLogger } from '../../logging/logger.js';

/** Where the adapter reports trouble it handles itself (pino's Logger has this shape). */
export interface EsdbLog {
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

/** Used when the composition root gives none: structured lines on stdout, as the platform's own log. */
export const defaultEsdbLog = (): EsdbLog => createLogger('warn').child({ adapter: 'EsdbEventStore' });
