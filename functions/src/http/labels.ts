// POST /v1/orgs/{orgId}/labels streams a PDF of label sheets; GET /v1/label-templates lists the
// built-in templates. Everything that can fail is checked before the first byte (a 400 or 404
// with the JSON error shape); after that the PDF streams page by page.
import { Router, type Response } from 'express';
import { MIN_MODULE_MM } from '../domain/labels/layout';
import { writeLabelsPdf, type PdfSink } from '../domain/labels/pdf';
import { validateLabelRequest } from '../domain/labels/request';
import { BUILT_IN_TEMPLATES, labelsPerPage } from '../domain/labels/templates';
import { prepareLabels } from '../data/labels';
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
    const { labels, count, fit } = await prepareLabels(orgId, request);
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
