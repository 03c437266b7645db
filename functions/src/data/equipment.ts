// Equipment documents: organizations/{orgId}/equipment/{assetId}.
import { equipmentRef } from './paths';

export async function equipmentExists(orgId: string, assetId: string): Promise<boolean> {
  return (await equipmentRef(orgId).doc(assetId).get()).exists;
}
