// Schemas of the organisation routes and of who may act in one: members, invitations, API keys.
// The values are checked by the domain validators (domain/organization.ts, members.ts,
// apiKeys.ts), whose messages the tests assert; these declare and document the fields.
import { z } from 'zod';
import { ASSET_URL_TEMPLATE_MAX, ORG_NAME_MAX } from '../../domain/organization';
import { REDIRECT_HOSTS_MAX } from '../../domain/redirectHosts';
import { ROLES } from '../../domain/roles';
import { isoTime } from './replies';

export const roleSchema = z.enum(ROLES);
const grantableRole = roleSchema.exclude(['owner']);

const timeZone = z
  .string()
  .max(100)
  .meta({ description: 'An IANA time zone such as "Europe/Berlin"; offsets are refused' });

export const newOrganizationBody = z.strictObject({
  orgId: z.string().optional().meta({ description: 'An id; one is made when absent' }),
  name: z.string().max(ORG_NAME_MAX),
  timeZone: timeZone.optional().meta({ description: 'An IANA time zone; UTC when absent' }),
});

export const organizationChangesBody = z.strictObject({
  name: z.string().max(ORG_NAME_MAX).optional(),
  timeZone: timeZone.optional(),
  assetUrlTemplate: z.string().max(ASSET_URL_TEMPLATE_MAX).nullable().optional().meta({
    description:
      'An https URL containing {assetId}, where equipment scans are redirected; null or "" removes it',
  }),
  redirectAllowedHosts: z.array(z.string()).max(REDIRECT_HOSTS_MAX).optional().meta({
    description:
      'Hosts tracked codes redirect to at once ("example.com", "*.example.com"); others get the interstitial page first',
  }),
  selfServiceCheckout: z.boolean().optional().meta({
    description: 'Members below editor may check out and book equipment for themselves',
  }),
  businessUrl: z.string().max(2048).nullable().optional().meta({
    description:
      'https URL the organisation’s business QR lands on (its host counts as allowed); null or "" removes it',
  }),
  selfServiceStock: z.boolean().optional().meta({
    description: 'true: any member may record `used` stock movements (default: editors and up)',
  }),
});

export const organizationSchema = z.object({
  orgId: z.string(),
  name: z.string(),
  timeZone: z.string(),
  assetUrlTemplate: z.string().nullable(),
  redirectAllowedHosts: z.array(z.string()).nullable().meta({
    description:
      'null: an organisation from before allow lists, whose codes redirect anywhere; [] sends every scan to the interstitial',
  }),
  createdAt: isoTime.nullable(),
  createdBy: z.string().nullable(),
  selfServiceCheckout: z.boolean(),
  businessUrl: z.string().nullable().optional(),
  selfServiceStock: z.boolean(),
});

/** An organisation with the caller's role in it. */
export const myOrganizationSchema = organizationSchema.extend({ role: roleSchema });

export const newMemberBody = z.strictObject({
  email: z
    .string()
    .optional()
    .meta({ description: 'Invites this address (202); give either email or uid' }),
  uid: z.string().optional().meta({ description: 'Adds this existing account at once (201)' }),
  role: roleSchema,
});

export const memberChangeBody = z.strictObject({ role: roleSchema });

export const memberSchema = z.object({
  uid: z.string(),
  role: roleSchema,
  email: z.string().nullable(),
  addedAt: isoTime.nullable(),
  addedBy: z.string().nullable(),
});

export const invitationSentSchema = z.object({
  invitationId: z.string(),
  status: z.literal('invited'),
  email: z.string(),
  role: roleSchema,
  expiresAt: isoTime,
});

export const invitationSchema = z.object({
  invitationId: z.string(),
  orgId: z.string(),
  email: z.string(),
  role: roleSchema,
  status: z.enum(['pending', 'accepted', 'revoked', 'expired']),
  invitedBy: z.string().nullable(),
  createdAt: isoTime.nullable(),
  expiresAt: isoTime.nullable(),
  acceptedAt: isoTime.nullable(),
  acceptedBy: z.string().nullable(),
  revokedAt: isoTime.nullable(),
  revokedBy: z.string().nullable(),
});

export const newApiKeyBody = z.strictObject({
  name: z.string().max(100),
  role: grantableRole.meta({ description: 'At most the caller’s own role; never owner' }),
  expiresAt: isoTime.optional().meta({
    description:
      'An ISO 8601 time with its offset, in the future and within API_KEY_TTL_DAYS; that many days from now when absent',
  }),
});

export const apiKeySchema = z.object({
  keyId: z.string(),
  name: z.string(),
  role: roleSchema,
  createdAt: isoTime.nullable(),
  createdBy: z.string().nullable(),
  lastUsedAt: isoTime.nullable(),
  expiresAt: isoTime.nullable().meta({
    description: 'null for a key made before keys expired: it works until revoked',
  }),
});
