// Tag pools (blank tags printed before they are assigned), claiming a tag onto an item, codes
// printed elsewhere, and finding an item by any of its codes.
import { Router } from 'express';
import { AppError } from '../domain/errors';
import { validateAssign, validateImport, validateNewTagPool } from '../domain/tags';
import { codeValueProblem } from '../domain/tagCodes';
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
import { jsonBody, valid } from './body';
import { queryString } from './query';
import { orgRoute } from './routes';

export const tagsRouter = Router();

orgRoute(tagsRouter, 'post', '/tag-pools', 'write', async (req, res, access) => {
  const input = valid(validateNewTagPool(jsonBody(req)));
  const { poolId } = await createTagPool(access.orgId, input, callerId(access.caller));
  res
    .status(202)
    .location(`/v1/orgs/${access.orgId}/tag-pools/${poolId}`)
    .json({ poolId, count: input.count, status: 'pending', progress: 0 });
});

orgRoute(tagsRouter, 'get', '/tag-pools/:poolId', 'read', async (req, res, { orgId }) => {
  res.json(await getTagPool(orgId, req.params.poolId as string));
});

orgRoute(tagsRouter, 'post', '/tags/:code/assign', 'write', async (req, res, access) => {
  const { assetId } = valid(validateAssign(jsonBody(req)));
  const result = await assignTag(
    access.orgId,
    req.params.code as string,
    assetId,
    callerId(access.caller),
  );
  res.status(result.changed ? 201 : 200).json(result.tag);
});

orgRoute(tagsRouter, 'delete', '/tags/:code/assign', 'write', async (req, res, { orgId }) => {
  await unassignTag(orgId, req.params.code as string);
  res.status(204).end();
});

orgRoute(tagsRouter, 'post', '/tags/import', 'write', async (req, res, access) => {
  const { rows, rejected } = valid(validateImport(jsonBody(req)));
  const result = await importCodes(access.orgId, rows, callerId(access.caller));
  const all = [...rejected, ...result.rejected].sort((a, b) => a.index - b.index);
  res.json({ imported: result.imported, unchanged: result.unchanged, rejected: all });
});

orgRoute(tagsRouter, 'get', '/lookup', 'read', async (req, res, { orgId }) => {
  const code = queryString(req, 'code');
  const problem = code === undefined ? 'is required' : codeValueProblem(code);
  if (problem || code === undefined) {
    throw new AppError('invalid_argument', `code ${problem}`, { field: 'code' });
  }
  res.json(await lookupCode(orgId, code.trim()));
});

orgRoute(tagsRouter, 'get', '/equipment/:assetId/tags', 'read', async (req, res, { orgId }) => {
  res.json({ tags: await itemTags(orgId, req.params.assetId as string) });
});
