// Correlated-failure holds (vnfm's addition): their view, and an operator's decision.
import { z } from 'zod';

export const holdId = z.uuid();

export const holdView = z.strictObject({
  id: z.string(),
  scope_type: z
    .enum(['vim', 'worker'])
    .meta({ description: 'What failed together: a VIM, or a monitor worker.' }),
  scope_id: z.string(),
  state: z.enum(['HELD', 'RELEASED', 'CANCELLED', 'ENDED']),
  reason: z.string(),
  failed: z
    .number()
    .meta({ description: "The scope's VNFs that failed within the window when the hold began." }),
  total: z.number(),
  window_seconds: z.number(),
  held_actions: z.number().meta({ description: 'Destructive actions waiting in the hold now.' }),
  recovered: z.number().meta({ description: 'Held targets that answered again (no action taken for them).' }),
  released: z.number().meta({ description: 'Held actions released and run, or running.' }),
  started_at: z.string(),
  limit_at: z.string(),
  decided_at: z.string().nullable(),
  decided_by: z.string().nullable(),
  ended_at: z.string().nullable(),
});

export const holdListQuery = z.object({
  state: z.enum(['HELD', 'RELEASED', 'CANCELLED', 'ENDED', 'open', 'all']).default('open'),
});

export const holdActionBody = z.strictObject({
  hold: z.strictObject({ action: z.enum(['release', 'cancel']) }),
});
