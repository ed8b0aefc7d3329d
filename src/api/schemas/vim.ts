// Wire shapes of /v1.0/vims. Type-specific fields sit beside the common ones,
// as Tacker's VIM bodies did (netns: bridge, pool, allowed_cidrs; static:
// allowed_cidrs); src/vim validates them.
import { z } from 'zod';
import { listQuery, MAX_DESCRIPTION, name, text, timestamp } from './common.js';

export const VIM_TYPES = ['netns', 'static'] as const;

const cidr = z.string().max(64);

export const vimCreateBody = z.strictObject({
  vim: z.strictObject({
    name: name(),
    description: text(MAX_DESCRIPTION).optional(),
    type: z.enum(VIM_TYPES),
    is_default: z.boolean().optional(),
    bridge: z
      .string()
      .max(64)
      .optional()
      .meta({ description: 'netns: host bridge (at most 15 characters).' }),
    pool: cidr.optional().meta({ description: 'netns: management address pool (IPv4 CIDR).' }),
    allowed_cidrs: z
      .array(cidr)
      .max(64)
      .optional()
      .meta({ description: 'Where probes may go (netns default: the pool; static: required).' }),
    tenant_id: z.uuid().optional().meta({ description: 'Admin tokens only: the tenant to register it for.' }),
  }),
});

export const vimUpdateBody = z.strictObject({
  vim: z.strictObject({
    name: name().optional(),
    description: text(MAX_DESCRIPTION).optional(),
    is_default: z.boolean().optional(),
  }),
});

export const vimListQuery = z.object({
  ...listQuery,
  name: z.string().max(255).optional(),
  type: z.enum(VIM_TYPES).optional(),
});

export const vimView = z.strictObject({
  id: z.uuid(),
  tenant_id: z.uuid(),
  name: z.string(),
  description: z.string(),
  type: z.enum(VIM_TYPES),
  is_default: z.boolean(),
  status: z.string(),
  placement_attr: z.strictObject({ regions: z.array(z.string()) }),
  bridge: z.string().optional(),
  pool: z.string().optional(),
  allowed_cidrs: z.array(z.string()),
  created_at: timestamp(),
  updated_at: timestamp(),
});
export type VimView = z.infer<typeof vimView>;
