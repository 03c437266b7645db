// Tag pools (blank tags printed before they are assigned), claiming a tag onto an item, codes
// printed elsewhere, and finding an item by any of its codes.
import { Router } from 'express';
import { z } from 'zod';
import { validateAssign, validateImport, validateNewTagPool } from '../domain/tags';
import {
  assignTag,
  createTagPool,
  getTagPool,
  importCodes,
  itemTags,
  lookupCode,
  unassignTag,
} from '../data/tags';
import { callerId } from './auth';
import { orgEndpoint } from './declare';
import { empty, json } from './schemas/replies';
import {
  assignBody,
  importBody,
  importResultSchema,
  lookupQuery,
  newTagPoolBody,
  tagPoolSchema,
  tagSchema,
} from './schemas/labels';

export const tagsRouter = Router();

const tags = ['tags'];

orgEndpoint(
  tagsRouter,
  'write',
  {
    method: 'post',
    path: '/tag-pools',
    summary: 'Make a pool of blank tags (codes to print before they are assigned)',
    tags,
    body: { schema: newTagPoolBody, validate: validateNewTagPool },
    replies: {
      202: json(
        'The pool is being made',
        z.object({
          poolId: z.string(),
          count: z.number().int(),
          status: z.literal('pending'),
          progress: z.literal(0),
        }),
      ),
    },
  },
  async (_req, res, access) => {
    const { poolId } = await createTagPool(access.orgId, access.body, callerId(access.caller));
    res
      .status(202)
      .location(`/v1/orgs/${access.orgId}/tag-pools/${poolId}`)
      .json({ poolId, count: access.body.count, status: 'pending', progress: 0 });
  },
);

orgEndpoint(
  tagsRouter,
  'read',
  {
    method: 'get',
    path: '/tag-pools/:poolId',
    summary: 'A pool and its progress',
    tags,
    replies: { 200: json('The pool', tagPoolSchema) },
  },
  async (_req, res, { orgId, params }) => {
    res.json(await getTagPool(orgId, params.poolId));
  },
);

orgEndpoint(
  tagsRouter,
  'write',
  {
    method: 'post',
    path: '/tags/:code/assign',
    summary: 'Claim a tag for an item (201 when it changed, 200 when it was so already)',
    tags,
    body: { schema: assignBody, validate: validateAssign },
    replies: {
      200: json('Already assigned to that item', tagSchema),
      201: json('Assigned', tagSchema),
    },
  },
  async (_req, res, access) => {
    const result = await assignTag(
      access.orgId,
      access.params.code,
      access.body.assetId,
      callerId(access.caller),
    );
    res.status(result.changed ? 201 : 200).json(result.tag);
  },
);

orgEndpoint(
  tagsRouter,
  'write',
  {
    method: 'delete',
    path: '/tags/:code/assign',
    summary: 'Release a tag from its item',
    tags,
    replies: { 204: empty('Released') },
  },
  async (_req, res, { orgId, params }) => {
    await unassignTag(orgId, params.code);
    res.status(204).end();
  },
);

orgEndpoint(
  tagsRouter,
  'write',
  {
    method: 'post',
    path: '/tags/import',
    summary: 'Add codes printed elsewhere; bad rows are reported by index, the rest saved',
    tags,
    body: { schema: importBody, validate: validateImport },
    replies: { 200: json('What was imported', importResultSchema) },
  },
  async (_req, res, access) => {
    const { rows, rejected } = access.body;
    const result = await importCodes(access.orgId, rows, callerId(access.caller));
    const all = [...rejected, ...result.rejected].sort((a, b) => a.index - b.index);
    res.json({ imported: result.imported, unchanged: result.unchanged, rejected: all });
  },
);

orgEndpoint(
  tagsRouter,
  'read',
  {
    method: 'get',
    path: '/lookup',
    summary: 'Find the tag (and item) of any code',
    tags,
    query: lookupQuery,
    replies: { 200: json('The tag', tagSchema) },
  },
  async (_req, res, { orgId, query }) => {
    res.json(await lookupCode(orgId, query.code));
  },
);

orgEndpoint(
  tagsRouter,
  'read',
  {
    method: 'get',
    path: '/equipment/:assetId/tags',
    summary: 'The tags assigned to an item',
    tags,
    replies: { 200: json('The tags', z.object({ tags: z.array(tagSchema) })) },
  },
  async (_req, res, { orgId, params }) => {
    res.json({ tags: await itemTags(orgId, params.assetId) });
  },
);
