// What goes on item labels: each item's scan URL (made on first need, in batches) and the text
// fields asked for, read before the PDF starts so that a missing item is a 404, not a broken PDF.
import { AppError, conflict } from '../domain/errors';
import type { LabelField, LabelRequest, LabelSource } from '../domain/labels/request';
import { requireFit, type QrFit } from '../domain/labels/layout';
import { newScanToken, scanUrl } from '../domain/scanTokens';
import { publicBaseUrl } from '../config';
import { MAX_ASSET_IDS } from '../domain/labels/request';
import type { LabelContent } from '../domain/labels/pdf';
import { db } from './firebase';
import { equipmentRef, locationsRef } from './paths';
import { ensureEquipmentScanTokens } from './scanTokens';
import { poolTagsInOrder, tagPoolState } from './tags';
import { enforceLabelsPerRequest, quotaLimits } from './quotas';
import { stockLabels } from './stockLabels';

/** The asset ids a filter selects, in id order; 400 beyond MAX_ASSET_IDS, 429 beyond the quota. */
async function filteredAssetIds(
  orgId: string,
  filter: { category?: string; locationId?: string },
  maxLabels: number,
): Promise<string[]> {
  let query: FirebaseFirestore.Query = equipmentRef(orgId);
  if (filter.category) query = query.where('category', '==', filter.category);
  if (filter.locationId) query = query.where('locationId', '==', filter.locationId);
  const count = (await query.count().get()).data().count;
  if (count > MAX_ASSET_IDS) {
    throw new AppError(
      'invalid_argument',
      `The filter selects ${count} items; one PDF holds at most ${MAX_ASSET_IDS}. Narrow the filter or send assetIds.`,
      { count, limit: MAX_ASSET_IDS },
    );
  }
  enforceLabelsPerRequest(orgId, count, maxLabels);
  if (count === 0) throw new AppError('not_found', 'No equipment matches the filter');
  const snap = await query.select().get();
  return snap.docs.map((d) => d.id).sort();
}

async function locationNames(orgId: string, ids: string[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  if (ids.length === 0) return names;
  const snaps = await db().getAll(...ids.map((id) => locationsRef(orgId).doc(id)));
  for (const s of snaps) {
    const name = s.get('name');
    if (typeof name === 'string') names.set(s.id, name);
  }
  return names;
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/**
 * The labels of items, in the order asked (a filter: id order). The item's short code is its
 * assetId, printed even when `fields` leaves it out.
 */
export async function itemLabels(
  orgId: string,
  source: Extract<LabelSource, { kind: 'assetIds' | 'filter' }>,
  fields: LabelField[],
): Promise<LabelContent[]> {
  // Checked before the scan tokens that the items may still need are written.
  const { labelsPerRequest } = await quotaLimits(orgId);
  if (source.kind === 'assetIds') {
    enforceLabelsPerRequest(orgId, source.assetIds.length, labelsPerRequest);
  }
  const asked =
    source.kind === 'assetIds'
      ? source.assetIds
      : await filteredAssetIds(orgId, source, labelsPerRequest);
  const { items, missing } = await ensureEquipmentScanTokens(orgId, [...new Set(asked)]);
  if (missing.length > 0) {
    throw new AppError(
      'not_found',
      `${missing.length} of the items were not found: ${missing.slice(0, 20).join(', ')}${missing.length > 20 ? ', …' : ''}`,
      { missing: missing.slice(0, 100) },
    );
  }
  const byId = new Map(items.map((i) => [i.assetId, i]));
  const locations = fields.includes('location')
    ? await locationNames(orgId, [
        ...new Set(
          items.map((i) => i.data.locationId).filter((l): l is string => typeof l === 'string'),
        ),
      ])
    : new Map<string, string>();
  const shown: LabelField[] = fields.includes('assetId') ? fields : [...fields, 'assetId'];
  return asked.map((assetId) => {
    const item = byId.get(assetId)!;
    const value: Record<LabelField, string> = {
      name: text(item.data.name),
      assetId,
      serialNumber: text(item.data.serialNumber),
      location: locations.get(text(item.data.locationId)) ?? '',
    };
    return {
      qrText: item.scanUrl,
      lines: shown.map((f) => ({
        text: value[f],
        bold: f === shown[0],
        keepWhole: f === 'assetId',
      })),
    };
  });
}

/**
 * A ready pool's labels, streamed from Firestore a page at a time. 409 until it is ready, 429 when
 * the pool is larger than one request may print.
 */
export async function poolLabels(
  orgId: string,
  poolId: string,
): Promise<{ count: number; labels: AsyncIterable<LabelContent> }> {
  const state = await tagPoolState(orgId, poolId);
  if (!state) throw new AppError('not_found', `Tag pool ${poolId} not found`);
  if (state.status !== 'ready') {
    throw conflict(
      'pool_not_ready',
      `Tag pool ${poolId} is not ready yet (status ${state.status})`,
      {
        status: state.status,
      },
    );
  }
  enforceLabelsPerRequest(orgId, state.count, (await quotaLimits(orgId)).labelsPerRequest);
  async function* labels(): AsyncGenerator<LabelContent> {
    for await (const tag of poolTagsInOrder(orgId, poolId)) {
      yield { qrText: tag.scanUrl, lines: [{ text: tag.code, bold: true, keepWhole: true }] };
    }
  }
  return { count: state.count, labels: labels() };
}

/** What a label request prints: the labels in order, how many, and the QR fit that holds for all. */
export interface PreparedLabels {
  labels: Iterable<LabelContent> | AsyncIterable<LabelContent>;
  count: number;
  fit: QrFit;
}

/**
 * Everything a label request needs before its first byte: the fit checked against a sample of
 * today's scan URLs (before anything is read), the labels of a pool or of items, and for items
 * the fit checked again against their stored URLs (the longest decides: one made under an older,
 * longer base URL must not get modules below the minimum).
 */
export async function prepareLabels(orgId: string, request: LabelRequest): Promise<PreparedLabels> {
  const fit = requireFit(request.template, scanUrl(publicBaseUrl(), newScanToken()));
  if (request.source.kind === 'tagPool') {
    const pool = await poolLabels(orgId, request.source.tagPoolId);
    return { labels: pool.labels, count: pool.count, fit };
  }
  const items =
    request.source.kind === 'stockItemIds'
      ? await stockLabels(orgId, request.source.stockItemIds)
      : await itemLabels(orgId, request.source, request.fields);
  const longest = items.reduce((a, b) => (b.qrText.length > a.length ? b.qrText : a), '');
  return {
    labels: items,
    count: items.length,
    fit: longest.length > 0 ? requireFit(request.template, longest) : fit,
  };
}
