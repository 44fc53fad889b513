import { z } from 'zod';

/** RFC 9457, as `problem.ts` writes it (`Problem.toJSON`). */
export const ProblemDocument = z
  .object({
    type: z.url(),
    title: z.string(),
    status: z.number().int().min(400).max(599),
    detail: z.string().optional(),
    errors: z
      .array(
        z.object({
          path: z.string().meta({ description: 'where in the input, dot-separated (e.g. `items.0.quantity`); empty for the request as a whole' }),
          message: z.string().meta({ description: 'what is wrong; for a business rule, its error code' }),
        }),
      )
      .optional(),
  })
  .meta({ description: 'An RFC 9457 problem document, sent as application/problem+json.' });
