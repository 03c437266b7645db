// Bin labels of stock items: each item's tracked scan URL (made on first need, as for
// equipment: data/scanTokens.ts), its name in bold and its sku, whole.
import { AppError } from '../domain/errors';
import type { LabelContent } from '../domain/labels/pdf';
import { enforceLabelsPerRequest, quotaLimits } from './quotas';
import { ensureEquipmentScanTokens } from './scanTokens';

export async function stockLabels(orgId: string, skus: string[]): Promise<LabelContent[]> {
  const { labelsPerRequest } = await quotaLimits(orgId);
  enforceLabelsPerRequest(orgId, skus.length, labelsPerRequest);
  const asked = [...new Set(skus)];
  const { items, missing } = await ensureEquipmentScanTokens(orgId, asked, 'stockItem');
  if (missing.length > 0) {
    throw new AppError(
      'not_found',
      `${missing.length} of the stock items were not found: ${missing.slice(0, 20).join(', ')}`,
      { missing: missing.slice(0, 100) },
    );
  }
  const byId = new Map(items.map((i) => [i.assetId, i]));
  return skus.map((sku) => {
    const item = byId.get(sku)!;
    const name = typeof item.data.name === 'string' ? item.data.name : sku;
    return {
      qrText: item.scanUrl,
      lines: [
        { text: name, bold: true, keepWhole: false },
        { text: sku, bold: false, keepWhole: true },
      ],
    };
  });
}
