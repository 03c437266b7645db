// Audits (stocktakes) by scanning: create one (its expected items are snapshot), read its
// counts and lists, complete it (applying the chosen changes), and its report as CSV or PDF.
import { Router } from 'express';
import { validateComplete, validateNewAudit, ITEM_STATES } from '../domain/audits';
import { auditCsvLines, auditReportPdf } from '../domain/auditReport';
import { conflict } from '../domain/errors';
import { auditItemsOf, completeAudit, createAudit, getAudit, listAuditItems } from '../data/audits';
import { auditCompleted, auditCreated } from '../logs';
import { callerId } from './auth';
import { sendCsv } from './csvReply';
import { orgEndpoint } from './declare';
import { json, media } from './schemas/replies';
import {
  auditItemsQuery,
  auditItemsSchema,
  auditSchema,
  completeBody,
  newAuditBody,
} from './schemas/audits';

export const auditsRouter = Router();

const tags = ['audits'];

orgEndpoint(
  auditsRouter,
  'write',
  {
    method: 'post',
    path: '/audits',
    summary: 'Start an audit: its expected items (up to 20 000) are snapshot before the reply',
    tags,
    body: { schema: newAuditBody, validate: validateNewAudit },
    replies: { 201: json('The audit, open', auditSchema) },
  },
  async (_req, res, access) => {
    const started = Date.now();
    const by = callerId(access.caller);
    const audit = await createAudit(access.orgId, access.body, by);
    auditCreated({
      orgId: access.orgId,
      auditId: audit.auditId,
      expected: audit.expected,
      by,
      durationMs: Date.now() - started,
    });
    res.status(201).location(`/v1/orgs/${access.orgId}/audits/${audit.auditId}`).json(audit);
  },
);

orgEndpoint(
  auditsRouter,
  'read',
  {
    method: 'get',
    path: '/audits/:auditId',
    summary: 'An audit with its counts (found, missing, unexpected, unknown) and scans by auditor',
    tags,
    replies: { 200: json('The audit', auditSchema) },
  },
  async (_req, res, { orgId, params }) => {
    res.json(await getAudit(orgId, params.auditId));
  },
);

orgEndpoint(
  auditsRouter,
  'read',
  {
    method: 'get',
    path: '/audits/:auditId/items',
    summary: 'A page of one of the audit’s lists: found, missing, unexpected or unknown',
    tags,
    query: auditItemsQuery,
    replies: { 200: json('A page of the list', auditItemsSchema) },
  },
  async (_req, res, { orgId, params, query }) => {
    const { state, limit, pageToken } = query;
    res.json(await listAuditItems(orgId, params.auditId, state, { limit, pageToken }));
  },
);

orgEndpoint(
  auditsRouter,
  'write',
  {
    method: 'post',
    path: '/audits/:auditId/complete',
    summary: 'Complete the audit (409 scans_pending while its ledger events are unapplied)',
    description:
      'Records lastAuditedAt on every found item; with apply.moveUnexpectedHere moves the ' +
      'unexpected items to the audit’s location, with apply.markMissing sets status missing on ' +
      'the missing ones that are not checked out. Applied in pages; progress in `completion`.',
    tags,
    body: { schema: completeBody, validate: validateComplete },
    replies: { 200: json('The completed audit', auditSchema) },
  },
  async (_req, res, access) => {
    const started = Date.now();
    const by = callerId(access.caller);
    const audit = await completeAudit(access.orgId, access.params.auditId, access.body, by);
    auditCompleted({
      orgId: access.orgId,
      auditId: audit.auditId,
      lastAudited: audit.completion.lastAudited,
      moved: audit.completion.moved,
      markedMissing: audit.completion.markedMissing,
      by,
      durationMs: Date.now() - started,
    });
    res.json(audit);
  },
);

/** The audit, when it is completed (a report of an open audit would change as scans come). */
async function completedAudit(orgId: string, auditId: string) {
  const audit = await getAudit(orgId, auditId);
  if (audit.status !== 'completed') {
    throw conflict('audit_open', `Audit ${auditId} is not completed: complete it first`, {
      auditId,
    });
  }
  return audit;
}

const lists = (orgId: string, auditId: string) =>
  ITEM_STATES.map((state) => ({ state, items: auditItemsOf(orgId, auditId, state) }));

async function* allItems(orgId: string, auditId: string) {
  for (const list of lists(orgId, auditId)) yield* list.items;
}

orgEndpoint(
  auditsRouter,
  'read',
  {
    method: 'get',
    path: '/audits/:auditId/report.csv',
    summary: 'A completed audit’s lists as CSV (state, assetId, code, name, ...)',
    tags,
    replies: { 200: media('The CSV', 'text/csv') },
  },
  async (_req, res, { orgId, params }) => {
    await completedAudit(orgId, params.auditId);
    await sendCsv(
      res,
      `audit-${params.auditId}.csv`,
      auditCsvLines(allItems(orgId, params.auditId)),
    );
  },
);

orgEndpoint(
  auditsRouter,
  'read',
  {
    method: 'get',
    path: '/audits/:auditId/report.pdf',
    summary: 'A completed audit’s report as PDF: a one-page summary, then the lists',
    tags,
    replies: { 200: media('The PDF', 'application/pdf') },
  },
  async (_req, res, { orgId, params }) => {
    const audit = await completedAudit(orgId, params.auditId);
    const pdf = await auditReportPdf(
      {
        auditId: audit.auditId,
        name: audit.name,
        locationId: audit.locationId,
        filter: audit.filter,
        createdAt: audit.createdAt,
        completedAt: audit.completedAt,
        expected: audit.expected,
        counts: audit.counts,
        byAuditor: audit.byAuditor,
        applied: audit.completion,
      },
      lists(orgId, params.auditId),
    );
    res
      .status(200)
      .set({
        'Content-Type': 'application/pdf',
        'Content-Disposition': `attachment; filename="audit-${params.auditId}.pdf"`,
        'Cache-Control': 'no-store',
      })
      .send(pdf);
  },
);
