import type { Response } from 'express';
import { etag } from './validate.js';

export interface CommandAnswer {
  status: number;
  body: unknown;
  position: bigint;
  revision?: bigint;
  location?: string;
}

/** Every command answer carries X-Position (read-your-writes) and, for a single resource, its ETag. */
export const sendCommandResult = (res: Response, answer: CommandAnswer): void => {
  res.setHeader('X-Position', answer.position.toString());
  if (answer.revision !== undefined && answer.revision >= 0n) res.setHeader('ETag', etag(answer.revision));
  if (answer.location !== undefined) res.setHeader('Location', answer.location);
  res.status(answer.status).json(answer.body);
};
