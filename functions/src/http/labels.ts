// POST /v1/orgs/{orgId}/labels streams a PDF of label sheets; GET /v1/label-templates lists the
// built-in templates. Everything that can fail is checked before the first byte (a 400 or 404
// with the JSON error shape); after that the PDF streams page by page.
import { Router, type Response } from 'express';
import { publicBaseUrl } from '../config';
import { AppError } from '../domain/errors';
import {
  bestModuleMm,
  fitQr,
  MIN_MODULE_MM,
  smallestFittingTemplate,
} from '../domain/labels/layout';
import { writeLabelsPdf, type LabelContent, type PdfSink } from '../domain/labels/pdf';
import { validateLabelRequest } from '../domain/labels/request';
import { BUILT_IN_TEMPLATES, labelsPerPage, type LabelTemplate } from '../domain/labels/templates';
import { newScanToken, scanUrl } from '../domain/scanTokens';
import { itemLabels, poolLabels } from '../data/labels';
import { orgEndpoint, userEndpoint } from './declare';
import { json, media } from './schemas/replies';
import { labelRequestBody, labelTemplatesSchema } from './schemas/labels';
import { labelsPdf, labelsPdfFailed } from '../logs';

export const labelsRouter = Router();

userEndpoint(
  labelsRouter,
  {
    method: 'get',
    path: '/v1/label-templates',
    summary: 'The built-in label templates (sheets and label printers)',
    tags: ['labels'],
    replies: { 200: json('The templates', labelTemplatesSchema) },
  },
  (_req, res) => {
    res.json({
      minModuleMm: MIN_MODULE_MM,
      templates: BUILT_IN_TEMPLATES.map((t) => ({ ...t, labelsPerPage: labelsPerPage(t) })),
    });
  },
);

/**
 * Every label encodes `{PUBLIC_BASE_URL}/s/{22-character token}`, so one sample URL tells
 * whether the template is big enough for all of them, before anything is read. Items' URLs are
 * checked again once read (the longest decides): one made under an older, longer base URL must
 * not get modules below the minimum.
 */
function checkFits(template: LabelTemplate, sample = scanUrl(publicBaseUrl(), newScanToken())) {
  const fit = fitQr(template, sample);
  if (fit) return fit;
  const smallest = smallestFittingTemplate(sample);
  const moduleMm = bestModuleMm(template, sample);
  throw new AppError(
    'invalid_argument',
    `Template ${template.id} is too small: its QR codes would have modules of ${moduleMm.toFixed(2)} mm, ` +
      `and labels need at least ${MIN_MODULE_MM} mm to scan reliably. ` +
      (smallest
        ? `The smallest template that fits is ${smallest.id} (${smallest.name}).`
        : 'No built-in template fits.'),
    {
      moduleMm: Number(moduleMm.toFixed(3)),
      minModuleMm: MIN_MODULE_MM,
      smallestTemplate: smallest?.id ?? null,
    },
  );
}

function responseSink(res: Response): PdfSink {
  return {
    write: (chunk) => res.write(chunk),
    drained: () =>
      new Promise((resolve) => {
        if (!res.writableNeedDrain || res.destroyed) {
          resolve();
          return;
        }
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      }),
    end: () => res.end(),
  };
}

orgEndpoint(
  labelsRouter,
  'read',
  {
    method: 'post',
    path: '/labels',
    summary: 'A PDF of label sheets for items, a filter, or a tag pool',
    description:
      'Everything that can fail is checked before the first byte; then the PDF streams. ' +
      'X-Label-Count and X-Error-Correction say what was drawn.',
    tags: ['labels'],
    body: { schema: labelRequestBody, validate: validateLabelRequest },
    replies: { 200: media('The PDF', 'application/pdf') },
  },
  async (_req, res, { orgId, body: request }) => {
    let fit = checkFits(request.template);
    let labels: Iterable<LabelContent> | AsyncIterable<LabelContent>;
    let count: number;
    if (request.source.kind === 'tagPool') {
      const pool = await poolLabels(orgId, request.source.tagPoolId);
      labels = pool.labels;
      count = pool.count;
    } else {
      const items = await itemLabels(orgId, request.source, request.fields);
      const longest = items.reduce((a, b) => (b.qrText.length > a.length ? b.qrText : a), '');
      if (longest.length > 0) fit = checkFits(request.template, longest);
      labels = items;
      count = items.length;
    }
    res.status(200);
    res.set({
      'Content-Type': 'application/pdf',
      'Content-Disposition': `attachment; filename="labels-${request.template.id}.pdf"`,
      'Cache-Control': 'no-store',
      'X-Label-Count': String(count),
      'X-Error-Correction': fit.errorCorrection,
    });
    const started = Date.now();
    try {
      const written = await writeLabelsPdf(
        request.template,
        labels,
        {
          startPosition: request.startPosition,
          offsetMm: request.offsetMm,
          qr: fit,
          title: `Labels (${request.template.name})`,
        },
        responseSink(res),
      );
      labelsPdf({
        orgId,
        template: request.template.id,
        ...written,
        errorCorrection: fit.errorCorrection,
        durationMs: Date.now() - started,
      });
    } catch (err) {
      // The status line is gone already: end the connection so the client sees a broken download
      // rather than a PDF that looks complete.
      labelsPdfFailed({ orgId, error: err });
      res.destroy(err instanceof Error ? err : new Error(String(err)));
    }
  },
);
