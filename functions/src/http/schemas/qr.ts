// Schemas of the QR routes: the image query every image route shares, standalone codes and
// their replies, scan timelines.
import { z } from 'zod';
import {
  EXPIRES_IN_HOURS_MAX,
  MAX_SCANS_MAX,
  QR_LABEL_MAX,
  QR_URL_MAX,
} from '../../domain/qrCodes';
import { QR_DEFAULTS, QR_LIMITS } from '../../domain/qr';
import { TIMELINE_PERIODS } from '../../domain/timeline';
import { queryEnum, queryInt, queryText } from '../../domain/schemas/kit';
import { empty, isoTime, media } from './replies';

const optionalText = z.string().optional();

/**
 * The options of every QR image route. The values are checked by domain/qr (parseQrOptions),
 * whose messages name the limits; here they are declared and documented.
 */
export const qrImageQuery = {
  format: z
    .enum(['png', 'svg'], { error: 'must be png or svg' })
    .optional()
    .meta({ description: 'png (the default) or svg' }),
  size: optionalText.meta({
    description: `Width and height in pixels, ${QR_LIMITS.minSize} to ${QR_LIMITS.maxSize}; ${QR_DEFAULTS.size} when absent`,
    pattern: '^[0-9]{1,6}$',
  }),
  ecc: optionalText.meta({
    description: `Error correction level L, M, Q or H (any case); ${QR_DEFAULTS.errorCorrection} when absent`,
    enum: ['L', 'M', 'Q', 'H', 'l', 'm', 'q', 'h'],
  }),
  margin: optionalText.meta({
    description: `Quiet zone in modules, ${QR_LIMITS.minMargin} to ${QR_LIMITS.maxMargin}; ${QR_DEFAULTS.margin} when absent`,
    pattern: '^[0-9]{1,6}$',
  }),
  dark: optionalText.meta({ description: 'Colour of the modules, #rrggbb or rrggbb' }),
  light: optionalText.meta({ description: 'Background, #rrggbb, rrggbb or transparent' }),
  download: z
    .enum(['', '0', '1', 'true', 'false'], { error: 'must be true or false' })
    .optional()
    .meta({ description: 'true: sent as an attachment with a file name' }),
};

/** Seed 001's clients name the level error_correction. */
export const qrImageQueryAliases = { error_correction: 'ecc' } as const;

export type QrImageQuery = { [K in keyof typeof qrImageQuery]: z.output<(typeof qrImageQuery)[K]> };

export const QR_IMAGE_TYPES = ['image/png', 'image/svg+xml'] as const;

/** What every QR image route declares alike: the image options (error_correction too) and replies. */
export const qrImageRoute = {
  query: qrImageQuery,
  queryAliases: qrImageQueryAliases,
  replies: {
    200: media('The image', ...QR_IMAGE_TYPES),
    304: empty('Not modified (If-None-Match named the current ETag)'),
  },
};

export const newQrCodeBody = z.strictObject({
  data: z.string().min(1).optional().meta({ description: 'Any text, encoded as given' }),
  url: z.string().max(QR_URL_MAX).optional().meta({ description: 'An http(s) URL' }),
  label: z.string().max(QR_LABEL_MAX).nullable().optional(),
  tracked: z
    .boolean()
    .optional()
    .meta({ description: 'Encode a scan URL that redirects to url and counts scans' }),
  expiresInHours: z.number().int().min(1).max(EXPIRES_IN_HOURS_MAX).nullable().optional(),
  ...scanLimitFields(),
});

/** maxScans, validFrom, validUntil: on a create and a PATCH of a tracked code; null clears. */
function scanLimitFields() {
  return {
    maxScans: z.number().int().min(1).max(MAX_SCANS_MAX).nullable().optional().meta({
      description: 'Human scans allowed in all (bots use none); then /s/ answers 403',
    }),
    validFrom: z.string().nullable().optional().meta({
      description: 'ISO 8601 instant before which /s/ answers 403 (not active yet)',
      format: 'date-time',
    }),
    validUntil: z.string().nullable().optional().meta({
      description: 'ISO 8601 instant from which /s/ answers 410 (the code stays, unlike expiresAt)',
      format: 'date-time',
    }),
  };
}

export const qrCodePatchBody = z.strictObject({
  label: z.string().max(QR_LABEL_MAX).nullable().optional(),
  ...scanLimitFields(),
});

export const qrCodeSchema = z.object({
  qrId: z.string(),
  data: z.string(),
  url: z.string().nullable(),
  label: z.string().nullable(),
  tracked: z.boolean(),
  scanUrl: z.string().nullable(),
  expiresAt: isoTime.nullable(),
  createdAt: isoTime.nullable(),
  createdBy: z.string().nullable(),
  pngUrl: z.string().nullable(),
  pngPath: z.string().nullable(),
  maxScans: z.number().int().nullable(),
  validFrom: isoTime.nullable(),
  validUntil: isoTime.nullable(),
  imageUrl: z.string(),
});

export const createdQrCodeSchema = z.object({
  qrId: z.string(),
  data: z.string(),
  tracked: z.boolean(),
  scanUrl: z.string().optional(),
  expiresAt: isoTime.optional(),
  maxScans: z.number().int().optional(),
  validFrom: isoTime.optional(),
  validUntil: isoTime.optional(),
  imageUrl: z.string(),
});

export const qrCodeListQuery = {
  limit: queryInt(1, 500, 50),
  expired: queryEnum(['true', 'false'], 'true').meta({
    description: 'false leaves expired codes out',
  }),
  pageToken: queryText,
};

export const timelineQuery = {
  period: queryEnum(TIMELINE_PERIODS, '30d'),
  format: queryEnum(['json', 'svg'], 'json'),
};

export const timelineSchema = z.object({
  period: z.enum(TIMELINE_PERIODS),
  granularity: z.enum(['day', 'week']),
  timeZone: z.string(),
  points: z.array(
    z.object({
      date: z.string(),
      scans: z.number().int(),
      humans: z.number().int().meta({ description: 'Scans by people' }),
      bots: z
        .number()
        .int()
        .meta({ description: 'Scans by bots, link previews and mail scanners' }),
      visitors: z.number().int().meta({
        description: 'Distinct visitors of the day (of each day, added up, for a week)',
      }),
    }),
  ),
  total: z.number().int(),
  humans: z.number().int(),
  bots: z.number().int(),
  visitors: z.number().int(),
});
