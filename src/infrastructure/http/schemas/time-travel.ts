import { z } from 'zod';

/** `?asOf`: a revision (what an ETag names) or an instant with its offset; nothing else (and no other parameter). */
export const AsOfQuery = z.strictObject({
  asOf: z
    .union([z.string().regex(/^\d{1,15}$/), z.iso.datetime({ offset: true })])
    .optional()
    .meta({
      description:
        'time travel: the resource as it stood at a revision (`3`, as an ETag names it) or at an ISO 8601 instant with its offset (`2025-05-01T12:00:00Z`), folded from its events; the ETag is that revision',
    }),
});
