// Wire shapes of /v1.0/vnfs and its sub-resources (actions, resources, monitor).
import { z } from 'zod';
import { MONITOR_COMMANDS, VNF_STATUSES } from '../../conductor/contract.js';
import {
  jsonObject,
  jsonProblem,
  listQuery,
  MAX_DESCRIPTION,
  MAX_NAME,
  name,
  text,
  timestamp,
} from './common.js';
import { vnfdTemplate } from './vnfd.js';

/** Static VIMs: management IPs per VDU, one per instance. */
export const mgmtIps = z
  .record(z.string().min(1).max(MAX_NAME), z.union([z.ipv4(), z.array(z.ipv4()).min(1).max(64)]))
  .meta({ description: 'Static VIMs: {"VDU1": "192.0.2.10" | ["192.0.2.10", ...]}, one IP per instance.' });

const paramValues = z
  .looseObject({ mgmt_ips: mgmtIps.optional() })
  .superRefine((v, ctx) => {
    const p = jsonProblem(v);
    if (p) ctx.addIssue({ code: 'custom', message: p.message, path: p.path });
  })
  .meta({ description: 'Template parameters; mgmt_ips gives the management IPs on a static VIM.' });

const config = z
  .union([jsonObject(), text(64 * 1024)])
  .meta({ description: 'Configuration as given (object, or text as old Tacker clients sent it).' });

export const vnfCreateBody = z.strictObject({
  vnf: z
    .strictObject({
      name: name(),
      description: text(MAX_DESCRIPTION).optional(),
      vnfd_id: z.uuid().optional(),
      vnfd_template: vnfdTemplate().optional().meta({ description: 'An inline VNFD instead of vnfd_id.' }),
      vim_id: z.uuid().optional().meta({ description: "Default: the tenant's default VIM." }),
      tenant_id: z.uuid().optional().meta({ description: 'Admin tokens only: the tenant to create it for.' }),
      attributes: z
        .strictObject({ config: config.optional(), param_values: paramValues.optional() })
        .optional(),
      placement_attr: jsonObject().optional(),
    })
    .superRefine((v, ctx) => {
      const given = Number(v.vnfd_id !== undefined) + Number(v.vnfd_template !== undefined);
      if (given !== 1) {
        ctx.addIssue({
          code: 'custom',
          path: given ? ['vnfd_template'] : ['vnfd_id'],
          message: given
            ? 'give either vnfd_id or vnfd_template, not both'
            : 'vnfd_id or vnfd_template is required',
        });
      }
    }),
});

export const vnfUpdateBody = z.strictObject({
  vnf: z.strictObject({
    attributes: z
      .strictObject({ config: config.optional(), param_values: paramValues.optional() })
      .refine(
        (a) => a.config !== undefined || a.param_values !== undefined,
        'config or param_values is required',
      ),
  }),
});

export const vnfDeleteBody = z
  .strictObject({
    vnf: z.strictObject({ attributes: z.strictObject({ force: z.boolean() }) }).optional(),
  })
  .meta({
    description: 'Optional. {"vnf": {"attributes": {"force": true}}}: admin force delete, from any state.',
  });

export const SCALE_TYPES = ['out', 'in'] as const;
export const scaleBody = z.strictObject({
  scale: z.strictObject({ policy: name(), type: z.enum(SCALE_TYPES) }),
});

export const monitorCommandBody = z.strictObject({
  monitor: z.strictObject({ action: z.enum(MONITOR_COMMANDS) }),
});

export const monitorCommandView = z.strictObject({
  monitor: z.strictObject({ vnf_id: z.string(), action: z.enum(MONITOR_COMMANDS), detail: z.string() }),
});

export const vnfListQuery = z.object({
  ...listQuery,
  name: z.string().max(MAX_NAME).optional(),
  status: z.enum(VNF_STATUSES).optional(),
  vnfd_id: z.uuid().optional(),
  vim_id: z.uuid().optional(),
});

export const vnfView = z.strictObject({
  id: z.uuid(),
  tenant_id: z.uuid(),
  name: z.string(),
  description: z.string(),
  vnfd_id: z.uuid(),
  vim_id: z.uuid(),
  instance_id: z.string().nullable(),
  status: z.enum(VNF_STATUSES),
  mgmt_ip_address: z.string().nullable().meta({
    description: 'A JSON string: {"VDU1": "10.0.0.14"}, a list for scaled VDUs; null without instances.',
  }),
  attributes: z
    .record(z.string(), z.unknown())
    .meta({ description: 'config and param_values as given, monitoring_policy as a JSON string.' }),
  placement_attr: z.record(z.string(), z.unknown()),
  error_reason: z.string().nullable(),
  created_at: timestamp(),
  updated_at: timestamp(),
});
export type VnfView = z.infer<typeof vnfView>;

export const resourcesView = z.strictObject({
  resources: z.array(z.strictObject({ name: z.string(), type: z.string(), id: z.string() })),
});

const monitorTarget = z.looseObject({
  vduName: z.string(),
  instanceId: z.string(),
  ip: z.string(),
  state: z.string(),
  consecutiveFailures: z.number(),
  consecutiveSuccesses: z.number(),
});

/** The monitor workflow's status query (src/monitoring/status.ts), as it answers it. */
export const monitorView = z.strictObject({
  monitor: z.looseObject({
    vnfId: z.string(),
    actionId: z.string(),
    generation: z.number(),
    state: z.string(),
    targets: z.array(monitorTarget),
    history: z.array(z.record(z.string(), z.unknown())),
    workflowId: z.string(),
    runId: z.string(),
    execution: z.string(),
  }),
});
