// /v1/orgs/{orgId}/locations: where equipment lives. Names are unique per organisation.
import { Router } from 'express';
import { validateLocation } from '../domain/locations';
import { createLocation, deleteLocation, listLocations, updateLocation } from '../data/locations';
import { jsonBody, valid } from './body';
import { orgRoute } from './routes';

export const locationsRouter = Router();

orgRoute(locationsRouter, 'get', '/locations', 'read', async (_req, res, { orgId }) => {
  res.json({ locations: await listLocations(orgId) });
});

orgRoute(locationsRouter, 'post', '/locations', 'manage', async (req, res, { orgId }) => {
  const fields = valid(validateLocation(jsonBody(req), 'create'));
  res.status(201).json(await createLocation(orgId, fields));
});

orgRoute(locationsRouter, 'patch', '/locations/:locationId', 'manage', async (req, res, access) => {
  const fields = valid(validateLocation(jsonBody(req), 'update'));
  res.json(await updateLocation(access.orgId, req.params.locationId as string, fields));
});

orgRoute(
  locationsRouter,
  'delete',
  '/locations/:locationId',
  'manage',
  async (req, res, access) => {
    const { deleted, location } = await deleteLocation(
      access.orgId,
      req.params.locationId as string,
    );
    res.json({
      deleted,
      deactivated: !deleted,
      location,
      message: deleted
        ? `Location "${location.name}" deleted`
        : `Location "${location.name}" is still used by equipment, so it was deactivated instead`,
    });
  },
);
