// The custody fields an equipment item shows while it is out (schemas of the item itself).
import { z } from 'zod';
import { isoTime } from './replies';

export const custodianSchema = z.union([
  z.strictObject({
    uid: z.string().meta({ description: 'A member of the organisation' }),
    email: z.string().optional(),
  }),
  z.strictObject({
    name: z.string().min(1).max(200).meta({ description: 'Someone without an account' }),
    email: z.string().max(320).optional(),
  }),
]);

export const custodySchema = z.object({
  checkoutId: z.string(),
  custodian: custodianSchema,
  since: isoTime.nullable(),
  dueAt: isoTime.nullable(),
});
