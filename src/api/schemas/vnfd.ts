// Wire shapes of /v1.0/vnfds. The template itself is validated by parseVnfd
// (src/vnfd), which also bounds its size and nesting.
import { z } from 'zod';
import { listQuery, MAX_DESCRIPTION, MAX_NAME, name, text, timestamp } from './common.js';

/** A VNFD as Tacker accepted it: a TOSCA object, or the YAML text. */
export const vnfdTemplate = () =>
  z
    .union([z.string().max(1024 * 1024), z.record(z.string(), z.unknown())])
    .meta({ description: 'TOSCA template: an object, or the YAML text.' });

export const vnfdCreateBody = z.strictObject({
  vnfd: z.strictObject({
    name: name(),
    description: text(MAX_DESCRIPTION)
      .optional()
      .meta({ description: "Default: the template's description." }),
    service_types: z
      .array(z.strictObject({ service_type: z.literal('vnfd') }))
      .max(4)
      .optional(),
    attributes: z.strictObject({ vnfd: vnfdTemplate() }),
    tenant_id: z.uuid().optional().meta({ description: 'Admin tokens only: the tenant to onboard it for.' }),
    // Sent by old Tacker clients; there is one driver of each, so they are ignored.
    mgmt_driver: z.string().max(MAX_NAME).optional(),
    infra_driver: z.string().max(MAX_NAME).optional(),
  }),
});

export const TEMPLATE_SOURCES = ['onboarded', 'inline'] as const;

export const vnfdListQuery = z.object({
  ...listQuery,
  name: z.string().max(MAX_NAME).optional(),
  template_source: z
    .enum([...TEMPLATE_SOURCES, 'all'])
    .default('onboarded')
    .meta({ description: 'onboarded (default), inline (made by VNF create with vnfd_template) or all.' }),
});

export const vnfdView = z.strictObject({
  id: z.uuid(),
  tenant_id: z.uuid(),
  name: z.string(),
  description: z.string(),
  service_types: z.array(z.strictObject({ id: z.string(), service_type: z.string() })),
  attributes: z.strictObject({ vnfd: z.string().meta({ description: 'The template as YAML text.' }) }),
  template_source: z.enum(TEMPLATE_SOURCES),
  created_at: timestamp(),
  updated_at: timestamp(),
});
export type VnfdView = z.infer<typeof vnfdView>;
