// /v1/orgs/{orgId}/locations: where equipment lives. Names are unique per organisation.
import { Router } from 'express';
import { z } from 'zod';
import { LOCATION_DESCRIPTION_MAX, LOCATION_NAME_MAX, validateLocation } from '../domain/locations';
import { createLocation, deleteLocation, listLocations, updateLocation } from '../data/locations';
import { callerId } from './auth';
import { orgEndpoint } from './declare';
import { isoTime, json } from './schemas/replies';

export const locationsRouter = Router();

const tags = ['locations'];

const locationSchema = z.object({
  locationId: z.string(),
  name: z.string(),
  description: z.string(),
  active: z.boolean(),
  createdAt: isoTime.nullable(),
  updatedAt: isoTime.nullable(),
});

const locationBody = (nameRequired: boolean) =>
  z.strictObject({
    name: nameRequired
      ? z.string().max(LOCATION_NAME_MAX)
      : z.string().max(LOCATION_NAME_MAX).optional(),
    description: z.string().max(LOCATION_DESCRIPTION_MAX).optional(),
    active: z.boolean().optional(),
  });

orgEndpoint(
  locationsRouter,
  'read',
  {
    method: 'get',
    path: '/locations',
    summary: 'Every location',
    tags,
    replies: { 200: json('The locations', z.object({ locations: z.array(locationSchema) })) },
  },
  async (_req, res, { orgId }) => {
    res.json({ locations: await listLocations(orgId) });
  },
);

orgEndpoint(
  locationsRouter,
  'manage',
  {
    method: 'post',
    path: '/locations',
    summary: 'Create a location (names are unique)',
    tags,
    body: { schema: locationBody(true), validate: (body) => validateLocation(body, 'create') },
    replies: { 201: json('The new location', locationSchema) },
  },
  async (_req, res, { orgId, caller, body }) => {
    res.status(201).json(await createLocation(orgId, body, callerId(caller)));
  },
);

orgEndpoint(
  locationsRouter,
  'manage',
  {
    method: 'patch',
    path: '/locations/:locationId',
    summary: 'Rename, describe, activate or deactivate a location',
    tags,
    body: { schema: locationBody(false), validate: (body) => validateLocation(body, 'update') },
    replies: { 200: json('The location as it now is', locationSchema) },
  },
  async (_req, res, { orgId, caller, params, body }) => {
    res.json(await updateLocation(orgId, params.locationId, body, callerId(caller)));
  },
);

orgEndpoint(
  locationsRouter,
  'manage',
  {
    method: 'delete',
    path: '/locations/:locationId',
    summary: 'Delete a location, or deactivate it while equipment still uses it',
    tags,
    replies: {
      200: json(
        'Deleted, or deactivated',
        z.object({
          deleted: z.boolean(),
          deactivated: z.boolean(),
          location: locationSchema,
          message: z.string(),
        }),
      ),
    },
  },
  async (_req, res, { orgId, caller, params }) => {
    const { deleted, location } = await deleteLocation(orgId, params.locationId, callerId(caller));
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
