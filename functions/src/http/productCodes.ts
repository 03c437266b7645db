// Product codes a consumer scans: GET /u/{code} and the GS1 Digital Link path
// /01/{gtin}/21/{serial} open the product's page (or JSON for a script), and POST
// /u/{code}/redeem redeems a unit once. Public, rate-limited per client address like /s/.
import { Router, type Request, type Response } from 'express';
import {
  productPage,
  UNKNOWN_CODE_WARNING,
  unknownProductPage,
  type ProductView,
} from '../domain/productCodes';
import { AppError } from '../domain/errors';
import { gtinProblem } from '../domain/gs1';
import { scanProductCode } from '../data/productCodes';
import { redeemUnit } from '../data/redeem';
import { publicEndpoint, publicRawEndpoint } from './declare';
import { limitScanner } from './rateLimits';
import { scanFactsOf } from './scans';
import { errorReplySchema, json } from './schemas/replies';
import {
  productViewSchema,
  redeemBody,
  redeemedSchema,
  unknownProductSchema,
} from './schemas/productCodes';

export const productCodesRouter = Router();

const tags = ['product-codes'];

const wantsHtml = (req: Request): boolean => req.accepts(['json', 'html']) === 'html';

function reply(req: Request, res: Response, view: ProductView | undefined): void {
  res.set('Cache-Control', 'no-store');
  if (!view) {
    if (wantsHtml(req)) res.status(404).type('html').send(unknownProductPage());
    else res.status(404).json({ genuine: false, warning: UNKNOWN_CODE_WARNING });
    return;
  }
  if (wantsHtml(req)) res.status(200).type('html').send(productPage(view));
  else res.status(200).json(view);
}

const pageReplies = {
  200: json(
    'The product’s page (HTML for a browser): genuine, the product and order’s public fields, firstScannedAt, and a warning when it may be copied',
    productViewSchema,
    'text/html',
  ),
  404: json(
    'Not a code of this manufacturer (a copy, a typo, or another product’s GTIN): a page, or this JSON',
    unknownProductSchema,
    'text/html',
  ),
};

publicRawEndpoint(
  productCodesRouter,
  {
    method: 'get',
    path: '/u/:code',
    summary: 'Scan a product code (a unit or master case): its page, or JSON for a script',
    description:
      'The first human scan moves a packed or shipped unit to scanned. The query string is ignored. Rate-limited per client address (429).',
    tags,
    replies: pageReplies,
  },
  async (req, res) => {
    limitScanner(req);
    reply(req, res, await scanProductCode(String(req.params.code), new Date(), scanFactsOf(req)));
  },
);

publicRawEndpoint(
  productCodesRouter,
  {
    method: 'get',
    path: '/01/:gtin/21/:serial',
    summary: 'A GS1 Digital Link URI of a unit: the same as /u/{serial}, for the order’s GTIN',
    description:
      'The GTIN may be given in 8 to 14 digits (it is compared as GTIN-14); a GTIN that is not the unit’s order’s, or has a wrong check digit, is not a code of this manufacturer.',
    tags,
    replies: pageReplies,
  },
  async (req, res) => {
    limitScanner(req);
    const gtin = String(req.params.gtin);
    const view = gtinProblem(gtin)
      ? undefined
      : await scanProductCode(String(req.params.serial), new Date(), scanFactsOf(req), gtin);
    reply(req, res, view);
  },
);

publicEndpoint(
  productCodesRouter,
  {
    method: 'post',
    path: '/u/:code/redeem',
    summary: 'Redeem a unit once (loyalty, warranty)',
    description:
      'Exactly once: of concurrent redeems one succeeds and the others get 409 already_redeemed with redeemedAt. An order made with redemptionSecret needs the unit’s printed secret (403 otherwise).',
    tags,
    body: { schema: redeemBody },
    replies: {
      200: json('Redeemed now', redeemedSchema),
      403: json('The redemption secret is missing or wrong', errorReplySchema),
      404: json('Not a unit code of this manufacturer', errorReplySchema),
      409: json('Already redeemed (reason already_redeemed, with redeemedAt)', errorReplySchema),
    },
  },
  async (req, res, { params, body }) => {
    limitScanner(req);
    const secret = (body as { secret?: string } | undefined)?.secret;
    if (secret !== undefined && secret.trim() === '') {
      throw new AppError('invalid_argument', 'secret is empty', {
        errors: [{ field: 'secret', message: 'must not be empty' }],
      });
    }
    res.set('Cache-Control', 'no-store');
    res.json(await redeemUnit(params.code, secret, new Date()));
  },
);
