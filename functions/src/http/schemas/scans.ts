// The replies of GET /s/{token}: pages for a person, JSON for a script, or a redirect.
import { z } from 'zod';

/** What a script gets instead of the interstitial page (domain/scanLanding.ts). */
export const interstitialSchema = z.object({
  destination: z.string().meta({ description: 'The full URL the code points at' }),
  host: z.string().meta({ description: 'Its host as a browser shows it (punycode for an IDN)' }),
  allowed: z.literal(false),
  interstitial: z.literal(true),
});
