// A client-uploaded photo as equipment replies list it (data/photos.ts).
import { z } from 'zod';
import { isoTime } from './replies';

export const photoSchema = z.object({
  path: z.string().meta({ description: 'Storage path the app uploaded to; now the WebP' }),
  url: z.string().meta({ description: 'Download URL of the WebP (at most 1600 px wide)' }),
  thumbnailUrl: z.string().meta({ description: 'Download URL of the 256 px WebP thumbnail' }),
  width: z.number().int(),
  height: z.number().int(),
  uploadedBy: z
    .string()
    .nullable()
    .meta({ description: "The uploader's uid, from the object's uploadedBy metadata" }),
  at: isoTime.nullable(),
});
