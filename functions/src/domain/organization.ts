// What an organisation's create and update requests may contain.
import { isValidId, idProblem } from './ids';
import { readRedirectHosts } from './redirectHosts';
import { canonicalTimeZone, isValidTimeZone } from './timeline';
import {
  type Body,
  type FieldError,
  type Validated,
  readBoolean,
  readString,
  result,
  unknownFields,
} from './validation';

export const ORG_NAME_MAX = 200;
export const ASSET_URL_TEMPLATE_MAX = 2048;
export const DEFAULT_TIME_ZONE = 'UTC';

export interface NewOrganization {
  orgId?: string;
  name: string;
  timeZone: string;
}

export interface OrganizationChanges {
  name?: string;
  timeZone?: string;
  /** null removes the template. */
  assetUrlTemplate?: string | null;
  /** Hosts tracked codes may redirect to without the interstitial (domain/redirectHosts.ts). */
  redirectAllowedHosts?: string[];
  /** Members below editor may check out and book for themselves (domain/custody.ts). */
  selfServiceCheckout?: boolean;
  /** Where the organisation's business QR lands (https); null removes it. */
  businessUrl?: string | null;
  /** Any member (not only editors) may record `used` stock movements. */
  selfServiceStock?: boolean;
}

export const BUSINESS_URL_MAX = 2048;

/** Why a business URL is not one a scan may be sent to, or undefined. */
export function businessUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a valid URL';
  }
  if (url.protocol !== 'https:') return 'must be an https URL';
  if (url.username || url.password) return 'must not contain a user name or password';
  return undefined;
}

/**
 * The canonical name of an IANA zone ("europe/berlin" -> "Europe/Berlin"), or undefined. Offsets
 * such as "+01:00" are refused: they ignore daylight saving, so days would start at the wrong
 * hour for half the year.
 */
export function organizationTimeZone(value: string): string | undefined {
  return /^[A-Za-z]/.test(value) && isValidTimeZone(value) ? canonicalTimeZone(value) : undefined;
}

function readTimeZone(body: Body, errors: FieldError[]): string | undefined {
  const raw = readString(body, 'timeZone', { max: 100 }, errors);
  if (raw === undefined || raw === '') return undefined;
  const zone = organizationTimeZone(raw);
  if (!zone) {
    errors.push({
      field: 'timeZone',
      message: `"${raw}" is not an IANA time zone (for example "Europe/Berlin" or "UTC")`,
    });
  }
  return zone;
}

/**
 * An https URL containing `{assetId}`, where equipment scans will be redirected; the
 * placeholder is replaced by the item's id.
 */
export function assetUrlTemplateProblem(value: string): string | undefined {
  if (!value.includes('{assetId}') && !value.includes('{sku}')) {
    return 'must contain the placeholder {assetId} (equipment) or {sku} (stock items), or both';
  }
  let url: URL;
  try {
    url = new URL(value.replaceAll('{assetId}', 'x').replaceAll('{sku}', 'x'));
  } catch {
    return 'is not a valid URL';
  }
  if (url.protocol !== 'https:') return 'must be an https URL';
  if (url.username || url.password) return 'must not contain a user name or password';
  return undefined;
}

export function validateNewOrganization(body: Body): Validated<NewOrganization> {
  const errors = unknownFields(body, ['orgId', 'name', 'timeZone']);
  const name = readString(body, 'name', { required: true, max: ORG_NAME_MAX }, errors);
  const timeZone = readTimeZone(body, errors) ?? DEFAULT_TIME_ZONE;
  let orgId: string | undefined;
  if (body.orgId !== undefined) {
    if (isValidId(body.orgId)) orgId = body.orgId;
    else {
      const problem = typeof body.orgId === 'string' ? idProblem(body.orgId) : 'must be a string';
      errors.push({ field: 'orgId', message: problem ?? 'is not a valid id' });
    }
  }
  return result({ orgId, name: name ?? '', timeZone }, errors);
}

export function validateOrganizationChanges(body: Body): Validated<OrganizationChanges> {
  const errors = unknownFields(body, [
    'name',
    'timeZone',
    'assetUrlTemplate',
    'redirectAllowedHosts',
    'selfServiceCheckout',
    'businessUrl',
    'selfServiceStock',
  ]);
  const changes: OrganizationChanges = {};
  if (body.businessUrl === null || body.businessUrl === '') changes.businessUrl = null;
  else if (body.businessUrl !== undefined) {
    const url = readString(body, 'businessUrl', { max: BUSINESS_URL_MAX }, errors);
    const problem = url === undefined ? undefined : businessUrlProblem(url);
    if (problem) errors.push({ field: 'businessUrl', message: problem });
    else if (url) changes.businessUrl = url;
  }
  if (body.name !== undefined) {
    const name = readString(body, 'name', { required: true, max: ORG_NAME_MAX }, errors);
    if (name) changes.name = name;
  }
  if (body.timeZone !== undefined) {
    const zone = readTimeZone(body, errors);
    if (zone) changes.timeZone = zone;
    else if (body.timeZone === '') errors.push({ field: 'timeZone', message: 'must not be empty' });
  }
  if (body.assetUrlTemplate === null || body.assetUrlTemplate === '') {
    changes.assetUrlTemplate = null;
  } else if (body.assetUrlTemplate !== undefined) {
    const template = readString(body, 'assetUrlTemplate', { max: ASSET_URL_TEMPLATE_MAX }, errors);
    if (template) {
      const problem = assetUrlTemplateProblem(template);
      if (problem) errors.push({ field: 'assetUrlTemplate', message: problem });
      else changes.assetUrlTemplate = template;
    }
  }
  if (body.redirectAllowedHosts !== undefined) {
    const hosts = readRedirectHosts(body.redirectAllowedHosts, errors);
    if (hosts) changes.redirectAllowedHosts = hosts;
  }
  if (body.selfServiceCheckout !== undefined) {
    const on = readBoolean(body, 'selfServiceCheckout', errors);
    if (on !== undefined) changes.selfServiceCheckout = on;
  }
  if (body.selfServiceStock !== undefined) {
    if (typeof body.selfServiceStock === 'boolean')
      changes.selfServiceStock = body.selfServiceStock;
    else errors.push({ field: 'selfServiceStock', message: 'must be true or false' });
  }
  if (errors.length === 0 && Object.keys(changes).length === 0) {
    errors.push({
      field: '',
      message:
        'nothing to change: give name, timeZone, assetUrlTemplate, redirectAllowedHosts, selfServiceCheckout, businessUrl or selfServiceStock',
    });
  }
  return result(changes, errors);
}
