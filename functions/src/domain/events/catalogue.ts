// The catalogue: one entry per collection whose changes are events (docs/events.md lists every
// type with when it fires and its data). Entries for custody (issue 20), stock (21) and audits
// and scans (22) read the fields their data/ modules write (checked end to end in
// test/events-stock.test.ts).
import { became, lifecycle, num, pick, str, type CatalogueEntry, type DocChange } from './entry';
import type { EventDraft } from './model';

/** Fields a trigger writes back onto an item (its QR code): not a change anybody made. */
const EQUIPMENT_SYSTEM_FIELDS = [
  'qrCodeUrl',
  'qrCodeGenerated',
  'qrCodeGeneratedAt',
  'qrCodePath',
  'qrCodeAttempts',
  'qrCodeError',
  'qrCodeFailedAt',
  'qrStatus',
  'quotaExceeded',
  'scanToken',
  'scanUrl',
  'image',
  'photos',
  'lastSeenAt',
  'lastSeenLocationId',
  'lastSeenBy',
  'lastAuditedAt',
  'seenOrCreatedAt',
  // Written with status by a check-out or check-in, whose own events (custody.*) say so.
  'custody',
];
const EQUIPMENT_DATA = ['name', 'category', 'serialNumber', 'locationId'];

const equipment: CatalogueEntry = {
  name: 'Equipment',
  path: 'equipment/{id}',
  subjectKind: 'equipment',
  audience: 'members',
  derive: (c) => {
    const events = lifecycle('equipment', c, {
      ignore: EQUIPMENT_SYSTEM_FIELDS,
      data: EQUIPMENT_DATA,
    });
    if (c.after && c.after.qrCodeGenerated === true && c.before?.qrCodeGenerated !== true) {
      events.push({ type: 'equipment.qr_ready', data: pick(c.after, ['qrCodeUrl', 'name']) });
    }
    return events;
  },
};

const members: CatalogueEntry = {
  name: 'Members',
  path: 'members/{id}',
  subjectKind: 'member',
  audience: 'admins',
  createdByFields: ['addedBy'],
  derive: (c) => {
    const data = pick(c.after ?? c.before, ['email', 'role']);
    if (!c.before && c.after) return [{ type: 'member.added', data }];
    if (c.before && !c.after) return [{ type: 'member.removed', data }];
    if (c.before?.role !== c.after?.role) {
      return [
        { type: 'member.role_changed', data, changes: { role: [c.before?.role, c.after?.role] } },
      ];
    }
    return [];
  },
};

const apiKeys: CatalogueEntry = {
  name: 'ApiKeys',
  path: 'apiKeys/{id}',
  subjectKind: 'api_key',
  audience: 'admins',
  derive: (c) => {
    // Never the hash; lastUsedAt moves on every use and is no event.
    const data = pick(c.after ?? c.before, ['name', 'role', 'expiresAt']);
    if (!c.before && c.after) return [{ type: 'api_key.created', data }];
    if (c.before && !c.after) return [{ type: 'api_key.revoked', data }];
    return [];
  },
};

const invitations: CatalogueEntry = {
  name: 'Invitations',
  path: 'invitations/{id}',
  changedByFields: ['revokedBy', 'acceptedBy'],
  subjectKind: 'invitation',
  audience: 'admins',
  createdByFields: ['invitedBy'],
  derive: (c) => {
    const data = pick(c.after ?? c.before, ['email', 'role', 'status']);
    if (!c.before && c.after) return [{ type: 'invitation.created', data }];
    if (became(c, 'status', ['accepted'])) return [{ type: 'invitation.accepted', data }];
    if (became(c, 'status', ['revoked'])) return [{ type: 'invitation.revoked', data }];
    return [];
  },
};

const locations: CatalogueEntry = {
  name: 'Locations',
  path: 'locations/{id}',
  subjectKind: 'location',
  audience: 'members',
  // nameKey is the lower-cased name the API keeps for uniqueness: the name's change says it.
  derive: (c) => lifecycle('location', c, { data: ['name', 'active'], ignore: ['nameKey'] }),
};

const qrCodes: CatalogueEntry = {
  name: 'QrCodes',
  path: 'qrCodes/{id}',
  subjectKind: 'qr_code',
  audience: 'members',
  derive: (c) => {
    const expiresAt = str(c.before, 'expiresAt');
    // The hourly clean-up removes expired codes: that delete is the expiry, not a deletion.
    if (c.before && !c.after && expiresAt && expiresAt <= c.at) {
      return [{ type: 'qr_code.expired', data: { expiresAt } }];
    }
    return lifecycle('qr_code', c, {
      ignore: [
        'pngPath',
        'pngUrl',
        'pngGeneratedAt',
        'imageUrl',
        'scanCount',
        'lastScannedAt',
        'scanToken',
        'qrStatus',
      ],
      data: ['label', 'url', 'tracked', 'expiresAt'],
      updated: true,
    });
  },
};

const tags: CatalogueEntry = {
  name: 'Tags',
  path: 'tags/{id}',
  changedByFields: ['assignedBy'],
  subjectKind: 'tag',
  audience: 'members',
  createdByFields: ['assignedBy', 'createdBy'],
  derive: (c) => {
    // A tag pool makes thousands of blank tags: their creation is the pool's event, not theirs.
    const before = str(c.before, 'assetId');
    const after = str(c.after, 'assetId');
    if (before === after) return [];
    const code = str(c.after ?? c.before, 'code') ?? c.id;
    const out: EventDraft[] = [];
    if (before) out.push({ type: 'tag.unassigned', data: { code, assetId: before } });
    if (after) out.push({ type: 'tag.assigned', data: { code, assetId: after } });
    return out;
  },
};

const tagPools: CatalogueEntry = {
  name: 'TagPools',
  path: 'tagPools/{id}',
  subjectKind: 'tag_pool',
  audience: 'members',
  derive: (c) => {
    const data = pick(c.after ?? c.before, ['count', 'status', 'prefix']);
    if (!c.before && c.after) return [{ type: 'tag_pool.created', data }];
    if (became(c, 'status', ['ready'])) return [{ type: 'tag_pool.ready', data }];
    return [];
  },
};

const masters: CatalogueEntry = {
  name: 'Masters',
  path: 'masters/{id}',
  subjectKind: 'master_case',
  audience: 'members',
  derive: (c) => {
    if (!c.before && c.after) {
      return [
        { type: 'manufacturing.case_created', data: pick(c.after, ['orderId', 'expectedUnits']) },
      ];
    }
    const before = num(c.before, 'actualUnits') ?? 0;
    const after = num(c.after, 'actualUnits') ?? 0;
    if (c.after && after > before) {
      return [
        {
          type: 'manufacturing.case_packed',
          data: {
            ...pick(c.after, ['orderId', 'expectedUnits']),
            actualUnits: after,
            added: after - before,
          },
          changes: { actualUnits: [before, after] },
        },
      ];
    }
    return [];
  },
};

const orders: CatalogueEntry = {
  name: 'Orders',
  path: 'orders/{id}',
  subjectKind: 'order',
  audience: 'members',
  derive: (c) =>
    lifecycle('manufacturing.order', c, { data: ['name', 'productId'], updated: false }),
};

// Custody (issue 20): checkouts/{checkoutId}, bookings/{bookingId}.
const CHECKOUT_DATA = ['assetIds', 'custodian', 'dueAt', 'status', 'bookingId', 'returned'];
const checkouts: CatalogueEntry = {
  name: 'Checkouts',
  path: 'checkouts/{id}',
  changedByFields: ['returnedBy'],
  subjectKind: 'checkout',
  audience: 'members',
  createdByFields: ['by', 'createdBy'],
  derive: (c) => {
    const data = pick(c.after ?? c.before, CHECKOUT_DATA);
    if (!c.before && c.after) return [{ type: 'custody.checked_out', data }];
    if (became(c, 'status', ['returned', 'partially_returned'])) {
      return [
        {
          type: 'custody.checked_in',
          data,
          changes: { status: [c.before?.status, c.after?.status] },
        },
      ];
    }
    if (became(c, 'status', ['overdue'])) return [{ type: 'custody.overdue', data }];
    return [];
  },
};

const BOOKING_DATA = ['assetIds', 'custodian', 'from', 'to', 'status'];
const bookings: CatalogueEntry = {
  name: 'Bookings',
  path: 'bookings/{id}',
  changedByFields: ['endedBy'],
  subjectKind: 'booking',
  audience: 'members',
  createdByFields: ['by', 'createdBy'],
  derive: (c) => {
    const data = pick(c.after ?? c.before, BOOKING_DATA);
    if (!c.before && c.after) return [{ type: 'booking.created', data }];
    for (const status of ['overdue', 'cancelled', 'no_show', 'checked_out']) {
      if (became(c, 'status', [status])) {
        return [
          { type: `booking.${status}`, data, changes: { status: [c.before?.status, status] } },
        ];
      }
    }
    return lifecycle('booking', c, { data: BOOKING_DATA }).filter(
      (e) => e.type !== 'booking.created',
    );
  },
};

// Stock (issue 21): stockItems/{sku}, stockItems/{sku}/movements/{id}, reorders/{id}, suppliers.
const STOCK_ITEM_SYSTEM_FIELDS = [
  'quantityOnHand',
  'movementCount',
  'lowStock',
  'openReorderId',
  'nameKey',
  'image',
  'source',
];
const stockItems: CatalogueEntry = {
  name: 'StockItems',
  path: 'stockItems/{id}',
  subjectKind: 'stock_item',
  audience: 'members',
  derive: (c) => {
    // quantityOnHand (with movementCount and lowStock) moves with every movement, which is its
    // own event; openReorderId is the reorder's lock, image the import's write-back.
    const events = lifecycle('stock.item', c, {
      ignore: [...STOCK_ITEM_SYSTEM_FIELDS],
      data: ['name', 'unit'],
    });
    const point = num(c.after, 'reorderPoint');
    const now = num(c.after, 'quantityOnHand');
    const was = num(c.before, 'quantityOnHand');
    if (
      point !== undefined &&
      now !== undefined &&
      now <= point &&
      (was === undefined || was > point)
    ) {
      events.push({
        type: 'stock.low',
        data: { sku: c.id, quantityOnHand: now, reorderPoint: point },
        changes: { quantityOnHand: [was ?? null, now] },
      });
    }
    return events;
  },
};

const movements: CatalogueEntry = {
  name: 'StockMovements',
  path: 'stockItems/{sku}/movements/{id}',
  subjectKind: 'stock_item',
  audience: 'members',
  // data/stockMovements.ts: `by` is the caller (or the receipt's), before/after the quantities.
  createdByFields: ['by'],
  derive: (c) =>
    !c.before && c.after
      ? [
          {
            type: 'stock.movement',
            subject: { kind: 'stock_item', id: c.params.sku },
            data: {
              movementId: c.id,
              ...pick(c.after, ['delta', 'reason', 'note', 'reorderId', 'before', 'after']),
            },
          },
        ]
      : [],
};

const REORDER_DATA = ['sku', 'supplierId', 'quantity', 'status', 'receivedQuantity', 'source'];
const reorders: CatalogueEntry = {
  name: 'Reorders',
  path: 'reorders/{id}',
  subjectKind: 'reorder',
  audience: 'members',
  // `by` is the caller, or `system:low-stock` for the trigger's drafts (data/reorders.ts).
  createdByFields: ['by'],
  derive: (c) => {
    const data = pick(c.after ?? c.before, REORDER_DATA);
    if (!c.before && c.after) return [{ type: 'reorder.created', data }];
    const map: Record<string, string> = {
      ordered: 'reorder.ordered',
      received: 'reorder.received',
      partially_received: 'reorder.partially_received',
      cancelled: 'reorder.cancelled',
      closed: 'reorder.closed',
    };
    const status = str(c.after, 'status');
    if (status && map[status] && became(c, 'status', [status])) {
      return [{ type: map[status], data, changes: { status: [c.before?.status ?? null, status] } }];
    }
    return [];
  },
};

const suppliers: CatalogueEntry = {
  name: 'Suppliers',
  path: 'suppliers/{id}',
  subjectKind: 'supplier',
  audience: 'members',
  derive: (c) => lifecycle('supplier', c, { data: ['name'] }),
};

// Audits and the scan ledger (issue 22): audits/{auditId}, scanEvents/{scanId}.
const audits: CatalogueEntry = {
  name: 'Audits',
  path: 'audits/{id}',
  subjectKind: 'audit',
  audience: 'members',
  // Completion (data/audits.ts) writes completedBy without updatedAt: that names the maker.
  changedByFields: ['completedBy'],
  derive: (c) => {
    // The counts live in counter shards, not on the audit; completion's outcome does.
    const data = pick(c.after ?? c.before, ['name', 'locationId', 'status', 'expected', 'dueAt']);
    if (!c.before && c.after) return [{ type: 'audit.created', data }];
    if (became(c, 'status', ['completed'])) {
      const completion = (c.after?.completion ?? {}) as Record<string, unknown>;
      return [
        {
          type: 'audit.completed',
          data: { ...data, ...pick(completion, ['lastAudited', 'moved', 'markedMissing']) },
          changes: { status: [c.before?.status ?? null, 'completed'] },
        },
      ];
    }
    return [];
  },
};

const scanEvents: CatalogueEntry = {
  name: 'ScanEvents',
  path: 'scanEvents/{id}',
  subjectKind: 'scan',
  audience: 'members',
  createdByFields: ['by'],
  // Written by a client app under the rules (by = its uid); the bulk route says source: api.
  createVia: 'client',
  derive: (c) =>
    !c.before && c.after
      ? [
          {
            type: 'scan.recorded',
            data: pick(c.after, [
              'type',
              'code',
              'auditId',
              'checkoutId',
              'locationId',
              'scannedAt',
              'deviceId',
            ]),
          },
        ]
      : [],
};

// Webhooks themselves: a person sees when one was added, changed or switched off for failing.
const webhooks: CatalogueEntry = {
  name: 'Webhooks',
  path: 'webhooks/{id}',
  subjectKind: 'webhook',
  audience: 'admins',
  derive: (c) => {
    const data = pick(c.after ?? c.before, ['url', 'events', 'active', 'disabledReason']);
    if (c.before?.active !== false && c.after?.active === false && c.after.disabledReason) {
      return [{ type: 'webhook.disabled', data }];
    }
    return lifecycle('webhook', c, {
      data: ['url', 'events', 'active'],
      ignore: [
        'failingSince',
        'lastAttemptAt',
        'lastSuccessAt',
        'lastFailureAt',
        'secretRotatedAt',
        'disabledReason',
        'disabledAt',
      ],
    });
  },
};

export const CATALOGUE: readonly CatalogueEntry[] = [
  equipment,
  members,
  apiKeys,
  invitations,
  locations,
  qrCodes,
  tags,
  tagPools,
  masters,
  orders,
  checkouts,
  bookings,
  stockItems,
  movements,
  reorders,
  suppliers,
  audits,
  scanEvents,
  webhooks,
];

/** Types the activity log does not keep (high volume, with a ledger of their own). */
export const NOT_LOGGED: ReadonlySet<string> = new Set(['scan.recorded']);

export function entryNamed(name: string): CatalogueEntry {
  const entry = CATALOGUE.find((e) => e.name === name);
  if (!entry) throw new Error(`No catalogue entry ${name}`);
  return entry;
}

export type { DocChange };
