// Routes served by routers that are not declared through http/declare.ts yet (organizations.ts
// and scans.ts are being changed by others; the lead converts them after merging). Their
// documentation lives here meanwhile, so that /openapi.json describes the routes clients use
// most. When a router is converted, its entries here are deleted.
import { z } from 'zod';
import type { DeclaredRoute } from '../declare';
import { isoTime, json, media } from './replies';

const role = z.enum(['owner', 'admin', 'editor', 'analyst', 'viewer']);

export const organizationSchema = z.looseObject({
  orgId: z.string(),
  name: z.string(),
  timeZone: z.string(),
  assetUrlTemplate: z.string().nullable(),
  createdAt: isoTime.nullable(),
  createdBy: z.string().nullable(),
});

export const DOCUMENTED_ELSEWHERE: DeclaredRoute[] = [
  {
    method: 'get',
    path: '/s/:token',
    access: { kind: 'public' },
    spec: {
      method: 'get',
      path: '/s/:token',
      summary: 'Scan a code: redirect to where it lands, or a small page about the item',
      tags: ['scans'],
      replies: {
        200: media('A page naming the item (no redirect set)', 'text/html'),
        302: media('Redirect to the code url or the organisation asset URL template', 'text/plain'),
      },
    },
  },
  {
    method: 'post',
    path: '/v1/orgs',
    access: { kind: 'user' },
    spec: {
      method: 'post',
      path: '/v1/orgs',
      summary: 'Create an organisation; the caller becomes its owner',
      tags: ['organizations'],
      body: {
        schema: z.strictObject({
          orgId: z.string().optional().meta({ description: 'an id; one is made when absent' }),
          name: z.string().max(200),
          timeZone: z.string().optional().meta({ description: 'an IANA zone, UTC by default' }),
        }),
      },
      replies: {
        201: json('The new organisation', organizationSchema.extend({ role })),
      },
    },
  },
  {
    method: 'get',
    path: '/v1/orgs',
    access: { kind: 'user' },
    spec: {
      method: 'get',
      path: '/v1/orgs',
      summary: 'The organisations the caller belongs to',
      tags: ['organizations'],
      replies: {
        200: json(
          'The caller’s organisations and role in each',
          z.looseObject({ organizations: z.array(z.looseObject({ orgId: z.string() })) }),
        ),
      },
    },
  },
];
