// A stock item's imageUrl, imported in the background exactly as an equipment item's is
// (triggers/equipmentImageSync.ts, data/equipmentImageImport.ts): same fetch rules, limits,
// retries and `image` field, its files under the stock item's own Storage path.
import { imageSync } from './equipmentImageSync';

export const stockItemImageSync = imageSync(
  'stockItemImageSync',
  'organizations/{orgId}/stockItems/{sku}',
  'sku',
  'stockItems',
);
