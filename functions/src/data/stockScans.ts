// Where a scan of a stock item's bin label lands: the organisation's assetUrlTemplate when it has
// {sku}, otherwise a minimal page with the name, unit and quantity on hand.
import type { RedirectPolicy } from '../domain/redirectHosts';
import type { Landing } from '../domain/scanLanding';
import type { ScanTarget } from '../domain/scanTokens';

type Doc = FirebaseFirestore.DocumentData;

export function stockLanding(
  target: ScanTarget,
  item: Doc,
  org: Doc,
  policy: RedirectPolicy,
): Landing {
  const template = typeof org.assetUrlTemplate === 'string' ? org.assetUrlTemplate : undefined;
  if (template?.includes('{sku}')) {
    const url = template
      .replaceAll('{sku}', encodeURIComponent(target.id))
      .replaceAll('{assetId}', encodeURIComponent(target.id));
    return {
      kind: 'redirect',
      url,
      source: 'assetUrlTemplate',
      target,
      policy,
    };
  }
  return {
    kind: 'stockPage',
    name: typeof item.name === 'string' ? item.name : target.id,
    sku: target.id,
    unit: typeof item.unit === 'string' ? item.unit : 'each',
    onHand: typeof item.quantityOnHand === 'number' ? item.quantityOnHand : 0,
  };
}
