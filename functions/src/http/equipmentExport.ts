// GET /v1/orgs/{orgId}/equipment/export.csv: every item as CSV, streamed page by page (a cursor
// over asset ids), in the upload's format plus assetId, scanUrl and qrCodeUrl, so the file can be
// edited and uploaded back (rows with an assetId update their item).
import { Router } from 'express';
import { equipmentCsvLines, type EquipmentCsvItem } from '../domain/csv';
import { allEquipment, type Equipment } from '../data/equipment';
import { locationNamesById } from '../data/locationLookup';
import { sendCsv } from './csvReply';
import { orgEndpoint } from './declare';
import { media } from './schemas/replies';

export const equipmentExportRouter = Router();

async function* csvItems(
  items: AsyncIterable<Equipment>,
  locationNames: Map<string, string>,
): AsyncGenerator<EquipmentCsvItem> {
  for await (const item of items) {
    yield {
      assetId: item.assetId,
      name: item.name,
      category: item.category,
      serialNumber: item.serialNumber,
      brand: item.brand,
      model: item.model,
      // A location that no longer exists is written as its id, which an upload then reports.
      location: item.locationId ? (locationNames.get(item.locationId) ?? item.locationId) : null,
      notes: item.notes,
      imageUrl: item.imageUrl,
      scanUrl: item.scanUrl,
      qrCodeUrl: item.qrCodeUrl,
    };
  }
}

orgEndpoint(
  equipmentExportRouter,
  'read',
  {
    method: 'get',
    path: '/equipment/export.csv',
    summary: 'Every item as CSV, in the upload’s columns plus assetId, scanUrl and qrCodeUrl',
    tags: ['equipment'],
    replies: { 200: media('The CSV file (UTF-8)', 'text/csv') },
  },
  async (_req, res, access) => {
    const locationNames = await locationNamesById(access.orgId);
    await sendCsv(
      res,
      `equipment-${access.orgId}.csv`,
      equipmentCsvLines(csvItems(allEquipment(access.orgId), locationNames)),
    );
  },
);
