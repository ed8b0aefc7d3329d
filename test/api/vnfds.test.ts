// /v1.0/vnfds over real HTTP: onboarding as YAML text or object, Tacker's
// wire shape, validation errors with the template's paths, list filters,
// show, and delete (409 while a VNF uses it).
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type Json, type TestApi, type TestTenant } from '../helpers/api.js';
import { onboardVnfd, SCALING_VNFD, staticVim } from './fixtures.js';

let api: TestApi;
let t: TestTenant;

beforeAll(async () => {
  api = await startTestApi();
  t = await api.tenant();
});
afterAll(() => api?.close());

describe('VNFD onboarding', () => {
  it('onboards YAML text and answers in Tacker’s shape', async () => {
    const res = await t.http.post('/v1.0/vnfds', {
      vnfd: { name: 'ping', service_types: [{ service_type: 'vnfd' }], attributes: { vnfd: SCALING_VNFD } },
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      vnfd: {
        id: expect.any(String),
        tenant_id: t.tenantId,
        name: 'ping',
        description: 'A scalable VDU (1 to 3 instances) watched by ping; each instance is monitored.',
        service_types: [{ id: expect.stringMatching(/^[0-9a-f-]{36}$/), service_type: 'vnfd' }],
        attributes: { vnfd: SCALING_VNFD },
        template_source: 'onboarded',
        created_at: expect.any(String),
        updated_at: expect.any(String),
      },
    });
    const shown = await t.http.get(`/v1.0/vnfds/${res.body.vnfd.id}`);
    expect(shown.body).toEqual(res.body);
    const events = (await t.http.get(`/v1.0/events?resource_id=${res.body.vnfd.id}`)).body.events;
    expect(events).toMatchObject([
      { resource_type: 'vnfd', event_type: 'CREATE', resource_state: 'OnBoarded' },
    ]);
  });

  it('onboards a TOSCA object, storing it as YAML text', async () => {
    const object = parse(SCALING_VNFD);
    const res = await t.http.post('/v1.0/vnfds', {
      vnfd: { name: 'obj', description: 'mine', attributes: { vnfd: object } },
    });
    expect(res.status).toBe(201);
    expect(res.body.vnfd.description).toBe('mine');
    expect(typeof res.body.vnfd.attributes.vnfd).toBe('string');
    expect(parse(res.body.vnfd.attributes.vnfd)).toEqual(object);
  });

  it('refuses invalid templates with 400 naming the path inside the template', async () => {
    const cases: [unknown, string][] = [
      [
        SCALING_VNFD.replace(/^tosca_definitions_version.*\n/, ''),
        'vnfd.attributes.vnfd.tosca_definitions_version',
      ],
      [
        SCALING_VNFD.replace('name: ping\n', 'name: icmp\n'),
        'vnfd.attributes.vnfd.topology_template.node_templates.VDU1',
      ],
      ['tosca_definitions_version: [unclosed', 'vnfd.attributes.vnfd'],
      ['just a string', 'vnfd.attributes.vnfd'],
      ['a: !!js/function "function () {}"', 'vnfd.attributes.vnfd'],
      [
        { tosca_definitions_version: 'tosca_simple_profile_for_nfv_1_0_0' },
        'vnfd.attributes.vnfd.topology_template',
      ],
      [[1, 2], 'vnfd.attributes.vnfd'],
      [42, 'vnfd.attributes.vnfd'],
    ];
    const before = await api.db.vnfd.count({ where: { tenantId: t.tenantId } });
    for (const [template, path] of cases) {
      const res = await t.http.post('/v1.0/vnfds', { vnfd: { name: 'bad', attributes: { vnfd: template } } });
      expect(res.status, JSON.stringify(template)).toBe(400);
      expect(res.body.TackerError.type).toBe('InvalidInput');
      expect(res.body.TackerError.message.startsWith(path), res.body.TackerError.message).toBe(true);
    }
    expect(await api.db.vnfd.count({ where: { tenantId: t.tenantId } })).toBe(before);
  });

  it('refuses bodies without a name or attributes, and unknown keys', async () => {
    for (const [body, path] of [
      [{ vnfd: { attributes: { vnfd: SCALING_VNFD } } }, 'vnfd.name'],
      [{ vnfd: { name: 'x' } }, 'vnfd.attributes'],
      [{ vnfd: { name: 'x', attributes: { vnfd: SCALING_VNFD, extra: 1 } } }, 'vnfd.attributes'],
      [
        { vnfd: { name: 'x', attributes: { vnfd: SCALING_VNFD }, service_types: [{ service_type: 'nsd' }] } },
        'vnfd.service_types[0].service_type',
      ],
      [{ vnfd: { name: 'x\u0000y', attributes: { vnfd: SCALING_VNFD } } }, 'vnfd.name'],
    ] as const) {
      const res = await t.http.post('/v1.0/vnfds', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.TackerError.message.startsWith(`${path}:`), res.body.TackerError.message).toBe(true);
    }
  });
});

describe('VNFD list, show, delete', () => {
  it('lists onboarded VNFDs by default; inline ones with template_source', async () => {
    const u = await api.tenant();
    await staticVim(u);
    const onboarded = await onboardVnfd(u, SCALING_VNFD, 'onboarded-one');
    const vnf = await u.http.post('/v1.0/vnfs', {
      vnf: {
        name: 'inline',
        vnfd_template: parse(SCALING_VNFD),
        attributes: { param_values: { mgmt_ips: { VDU1: '192.0.2.9' } } },
      },
    });
    expect(vnf.status).toBe(201);
    const ids = async (q: string) => (await u.http.get(`/v1.0/vnfds${q}`)).body.vnfds.map((d: Json) => d.id);
    expect(await ids('')).toEqual([onboarded.id]);
    expect(await ids('?template_source=onboarded')).toEqual([onboarded.id]);
    expect(await ids('?template_source=inline')).toEqual([vnf.body.vnf.vnfd_id]);
    expect(await ids('?template_source=all')).toEqual([onboarded.id, vnf.body.vnf.vnfd_id]);
    expect(await ids('?name=onboarded-one')).toEqual([onboarded.id]);
    expect(await ids('?name=other')).toEqual([]);
    expect((await u.http.get('/v1.0/vnfds?template_source=nope')).status).toBe(400);
    const inline = (await u.http.get(`/v1.0/vnfds/${vnf.body.vnf.vnfd_id}`)).body.vnfd;
    expect(inline).toMatchObject({
      template_source: 'inline',
      name: expect.stringMatching(/^tmpl-.*-inline$/),
    });
  });

  it('deletes an unused VNFD and refuses one a VNF uses', async () => {
    const u = await api.tenant();
    await staticVim(u);
    const used = await onboardVnfd(u);
    const free = await onboardVnfd(u, SCALING_VNFD, 'free');
    await u.http.post('/v1.0/vnfs', {
      vnf: { name: 'v', vnfd_id: used.id, attributes: { param_values: { mgmt_ips: { VDU1: '192.0.2.9' } } } },
    });
    const refused = await u.http.delete(`/v1.0/vnfds/${used.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.TackerError.type).toBe('VNFDInUse');
    expect((await u.http.delete(`/v1.0/vnfds/${free.id}`)).status).toBe(204);
    expect((await u.http.get(`/v1.0/vnfds/${free.id}`)).status).toBe(404);
    expect((await u.http.delete(`/v1.0/vnfds/${free.id}`)).body.TackerError.type).toBe('VNFDNotFound');
    // A deleted VNFD cannot be used for new VNFs.
    const late = await u.http.post('/v1.0/vnfs', { vnf: { name: 'late', vnfd_id: free.id } });
    expect(late.status).toBe(404);
    expect(late.body.TackerError.type).toBe('VNFDNotFound');
  });

  it('answers 404 for malformed ids', async () => {
    const res = await t.http.get('/v1.0/vnfds/not-a-uuid');
    expect(res.status).toBe(404);
    expect(res.body.TackerError).toMatchObject({
      type: 'VNFDNotFound',
      message: 'VNFD not-a-uuid could not be found',
    });
  });
});
