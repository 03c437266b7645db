// What the ledger needs of the organisation document.
import { orgRef } from './paths';

/** Whether members may check items out (and in) for themselves (PATCH org selfServiceCheckout). */
export async function selfServiceCheckout(orgId: string): Promise<boolean> {
  return (await orgRef(orgId).get()).get('selfServiceCheckout') === true;
}
