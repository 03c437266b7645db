// Saving an equipment CSV upload: rows come from the reader (domain/csv), streamed or read whole
// once before (readWholeCsv, for a buffered body), and are written through one BulkWriter, a
// batch of rows at a time; a streamed reader is paused (back-pressure) while a batch is written. Every valid row is saved; an
// invalid one is reported with its physical line and saves nothing.
import { Timestamp, type BulkWriter, type DocumentData } from 'firebase-admin/firestore';
import type { CsvCreateRow, CsvEvent, CsvUpsertRow } from '../domain/csv';
import { newAssetId, type Category } from '../domain/equipment';
import { equipmentUpdate, newEquipmentDocument, type NewEquipmentFields } from './equipment';
import { db } from './firebase';
import { inactiveLocationMessage, loadLocationLookup, type LocationLookup } from './locationLookup';
import { equipmentRef } from './paths';
import { isAlreadyExists } from './firestoreErrors';
import { enforceItems, itemCount, quotaLimits, spendDaily } from './quotas';

export interface UploadResult {
  total: number;
  created: number;
  updated: number;
  failed: { line: number; errors: string[] }[];
  ignoredColumns: string[];
}

/** Rows written per batch: enough to keep BulkWriter's batches full, small enough to hold. */
const BATCH_ROWS = 500;
/** How many times a drawn asset id may be taken before the row fails (41 random bits). */
const ID_DRAWS = 5;

type Row = CsvCreateRow | CsvUpsertRow;
/** Refuses (throws the 429) or lets a batch of `rows` valid rows making `newItems` items pass. */
type Admit = (rows: number, newItems: number) => Promise<void>;

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

class Batch {
  private readonly pending: Promise<void>[] = [];

  constructor(
    private readonly orgId: string,
    private readonly writer: BulkWriter,
    private readonly lookup: LocationLookup,
    private readonly createdBy: string,
    private readonly result: UploadResult,
  ) {}

  /** The row's fields with `location` resolved to `locationId`, or the reason it cannot be. */
  private resolveLocation<T extends { location?: string | null }>(
    fields: T,
  ): (Omit<T, 'location'> & { locationId?: string | null }) | string {
    const { location, ...rest } = fields;
    if (location === undefined) return rest;
    if (location === null) return { ...rest, locationId: null };
    const found = this.lookup.resolve(location);
    if (found === undefined) {
      return `location: no location named "${location}" (or with that id) in this organisation`;
    }
    if (!found.active) return `location: ${inactiveLocationMessage(found)}`;
    return { ...rest, locationId: found.id };
  }

  private fail(line: number, error: string): void {
    this.result.failed.push({ line, errors: [error] });
  }

  private create(line: number, fields: NewEquipmentFields, assetId?: string, draw = 1): void {
    const id = assetId ?? newAssetId(fields.category as Category);
    const doc = newEquipmentDocument(fields, this.createdBy, 'csv', Timestamp.now());
    this.pending.push(
      this.writer.create(equipmentRef(this.orgId).doc(id), doc).then(
        () => {
          this.result.created += 1;
        },
        (err: unknown) => {
          if (isAlreadyExists(err) && assetId === undefined && draw < ID_DRAWS) {
            this.create(line, fields, undefined, draw + 1);
          } else if (isAlreadyExists(err) && assetId !== undefined) {
            // Created by someone else (another upload) since we looked: update it instead.
            this.update(line, assetId, fields, undefined);
          } else {
            this.fail(line, `could not be saved: ${messageOf(err)}`);
          }
        },
      ),
    );
  }

  private update(
    line: number,
    assetId: string,
    fields: Record<string, unknown>,
    existing: DocumentData | undefined,
  ): void {
    // An identical row writes nothing, so an export uploaded back changes nothing at all.
    const changed =
      existing === undefined ||
      Object.entries(fields).some(([key, value]) =>
        value === null ? existing[key] !== undefined : existing[key] !== value,
      );
    if (!changed) {
      this.result.updated += 1;
      return;
    }
    const update = {
      ...equipmentUpdate(fields),
      updatedAt: Timestamp.now(),
      updatedBy: this.createdBy,
      updatedVia: 'csv',
    };
    this.pending.push(
      this.writer.update(equipmentRef(this.orgId).doc(assetId), update).then(
        () => {
          this.result.updated += 1;
        },
        (err: unknown) => this.fail(line, `could not be saved: ${messageOf(err)}`),
      ),
    );
  }

  /**
   * Queues the rows' writes and resolves when every one has succeeded or been reported.
   * `admit` is told how many rows and at most how many new items the writes are, before any.
   */
  async write(rows: Row[], admit?: Admit): Promise<void> {
    const upsertIds = [
      ...new Set(rows.filter((r): r is CsvUpsertRow => r.mode === 'upsert').map((r) => r.assetId)),
    ];
    const existing = new Map<string, DocumentData>();
    if (upsertIds.length > 0) {
      const snaps = await db().getAll(...upsertIds.map((id) => equipmentRef(this.orgId).doc(id)));
      for (const snap of snaps) {
        const data = snap.data();
        if (data) existing.set(snap.id, data);
      }
    }
    if (admit && rows.length > 0) {
      const newIds = new Set(upsertIds.filter((id) => !existing.has(id)));
      await admit(rows.length, rows.filter((r) => r.mode === 'create').length + newIds.size);
    }
    const createdHere = new Set<string>();
    for (const row of rows) {
      const fields = this.resolveLocation(row.fields);
      if (typeof fields === 'string') {
        this.fail(row.line, fields);
        continue;
      }
      if (row.mode === 'create') {
        this.create(row.line, fields as NewEquipmentFields);
        continue;
      }
      const found = existing.get(row.assetId);
      if (found !== undefined || createdHere.has(row.assetId)) {
        this.update(row.line, row.assetId, fields, found);
      } else {
        // A new item under the id the file gives; empty cells are simply absent.
        createdHere.add(row.assetId);
        this.create(row.line, fields as NewEquipmentFields, row.assetId);
      }
    }
    this.writer.flush().catch(() => undefined);
    // Retried creates push more promises while we wait; wait until no more come.
    while (this.pending.length > 0) {
      const waiting = this.pending.splice(0);
      await Promise.all(waiting);
      if (this.pending.length > 0) this.writer.flush().catch(() => undefined);
    }
  }
}

/** The events of a whole file, read once, and what they add up to for the quotas. */
export async function readWholeCsv(
  events: AsyncIterable<CsvEvent>,
): Promise<{ events: CsvEvent[]; tally: UploadTally }> {
  const all: CsvEvent[] = [];
  const tally: UploadTally = { rows: 0, creates: 0, upsertIds: new Set() };
  for await (const event of events) {
    all.push(event);
    if (event.kind !== 'row') continue;
    tally.rows += 1;
    if (event.mode === 'create') tally.creates += 1;
    else tally.upsertIds.add(event.assetId);
  }
  return { events: all, tally };
}

/** What a read of the whole file found, for the quota check before anything is saved. */
export interface UploadTally {
  /** Valid rows: each one writes. */
  rows: number;
  /** Rows without an assetId: each one makes an item. */
  creates: number;
  /** The assetIds of the other rows: each one not found makes an item. */
  upsertIds: Set<string>;
}

/** Upsert ids looked up at once when it has to be known which exist (getAll of 500). */
const LOOKUP_PAGE = 500;

/**
 * The quota check of a whole file before any of its rows is saved: today's rows and the items it
 * would make (429 quota_exceeded). Spends the rows.
 * Which upsert ids exist is read only when the file could pass the item limit otherwise.
 */
export async function admitEquipmentUpload(orgId: string, tally: UploadTally): Promise<void> {
  const limits = await quotaLimits(orgId);
  const items = await itemCount(orgId);
  let newItems = tally.creates + tally.upsertIds.size;
  if (items + newItems > limits.items) {
    const ids = [...tally.upsertIds];
    for (let i = 0; i < ids.length; i += LOOKUP_PAGE) {
      const snaps = await db().getAll(
        ...ids.slice(i, i + LOOKUP_PAGE).map((id) => equipmentRef(orgId).doc(id)),
      );
      newItems -= snaps.filter((snap) => snap.exists).length;
    }
  }
  enforceItems(orgId, items, newItems, limits.items);
  await spendDaily(orgId, 'rowsPerDay', tally.rows, limits.rowsPerDay);
}

/**
 * Admits a streamed upload a batch at a time: its rows are spent, and its new items counted
 * against the items there were at the start, before the batch is written. Rows of earlier
 * batches stay saved when a later one is refused.
 */
async function streamedAdmit(orgId: string): Promise<Admit> {
  const limits = await quotaLimits(orgId);
  const items = await itemCount(orgId);
  let admittedItems = 0;
  return async (rows, newItems) => {
    enforceItems(orgId, items + admittedItems, newItems, limits.items);
    await spendDaily(orgId, 'rowsPerDay', rows, limits.rowsPerDay);
    admittedItems += newItems;
  };
}

/**
 * Saves the rows of a CSV read by domain/csv's readEquipmentCsv: `events` is the reader itself
 * (a streamed upload: rows are saved as they are read) or the events of a file read whole before
 * (a buffered upload: the file is parsed once). Throws the reader's CsvFileError and
 * CsvLimitError (the file as a whole is refused); rows written before a limit error stay saved.
 * `admitted`: admitEquipmentUpload has checked and spent the quotas for the whole file already;
 * otherwise each batch is admitted as it comes (a 429 stops the upload there).
 */
export async function importEquipmentCsv(
  orgId: string,
  events: AsyncIterable<CsvEvent> | Iterable<CsvEvent>,
  createdBy: string,
  admitted = false,
): Promise<UploadResult> {
  const admit = admitted ? undefined : await streamedAdmit(orgId);
  const lookup = await loadLocationLookup(orgId);
  // Without throttling: BulkWriter's default 500 writes/s ramp (the "500/50/5" rule for new key
  // ranges) would make a 10 000-row upload take 20 s; asset ids spread over the key space, and
  // BulkWriter still backs off and retries when Firestore pushes back.
  const writer = db().bulkWriter({ throttling: false });
  const result: UploadResult = { total: 0, created: 0, updated: 0, failed: [], ignoredColumns: [] };
  const batch = new Batch(orgId, writer, lookup, createdBy, result);
  let rows: Row[] = [];
  try {
    for await (const event of events) {
      if (event.kind === 'header') {
        result.ignoredColumns = event.ignoredColumns;
        continue;
      }
      result.total += 1;
      if (event.kind === 'invalid') {
        result.failed.push({ line: event.line, errors: event.errors });
        continue;
      }
      rows.push(event);
      if (rows.length >= BATCH_ROWS) {
        await batch.write(rows, admit);
        rows = [];
      }
    }
    await batch.write(rows, admit);
  } finally {
    await writer.close();
  }
  result.failed.sort((a, b) => a.line - b.line);
  return result;
}
