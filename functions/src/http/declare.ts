// Routes declared once: the path (its `:params` are ids), the query and body schemas and the
// replies. `orgEndpoint` / `userEndpoint` parse all of it before the handler runs and hand the
// handler typed `params`, `query` and `body`; the same declarations build GET /openapi.json.
import type { Request, Response, Router } from 'express';
import type { DocumentReference } from 'firebase-admin/firestore';
import { z } from 'zod';
import { AppError } from '../domain/errors';
import { check } from '../domain/schemas/kit';
import type { Permission } from '../domain/roles';
import { isPlainObject, type FieldError, type Validated } from '../domain/validation';
import type { UserCaller } from './auth';
import {
  authorizeOrg,
  parsePathParams,
  signedInUser,
  type Method,
  type OrgAccess,
  type OrgRouteOptions,
} from './routes';
import type { ReplySpec } from './schemas/replies';

/** The names of the `:params` in an Express path: "/a/:x/b/:y" -> "x" | "y". */
export type PathParams<S extends string> = S extends `${string}:${infer P}/${infer Rest}`
  ? Strip<P> | PathParams<`/${Rest}`>
  : S extends `${string}:${infer P}`
    ? Strip<P>
    : never;
/** `:batchId.csv` style suffixes are not part of the name. */
type Strip<P extends string> = P extends `${infer Name}.${string}` ? Name : P;

type QueryShape = Record<string, z.ZodType>;

export interface BodySpec<T> {
  /** The JSON the route accepts, as documented. */
  schema: z.ZodType;
  /**
   * A domain validator that checks the values (and says what is wrong in the words its tests
   * expect); without it the schema itself validates and its output is the body.
   */
  validate?: (body: Record<string, unknown>) => Validated<T>;
  /** A bare JSON array is accepted as this field of an object (a seed's clients send one). */
  arrayAs?: string;
}

/** A request body that is not JSON (an upload): documented, read by the handler itself. */
export interface RawBodySpec {
  contentType: string;
  schema: z.ZodType;
  description: string;
}

export interface RouteSpec<Path extends string, Q extends QueryShape, B> {
  method: Method;
  path: Path;
  summary: string;
  description?: string;
  tags: string[];
  query?: Q;
  /** Another name a client may use for a query parameter: alias -> the documented name. */
  queryAliases?: Record<string, keyof Q & string>;
  body?: BodySpec<B>;
  rawBody?: RawBodySpec;
  replies: Record<number, ReplySpec>;
  /** The document the handler reads, fetched with the member document when that is read. */
  prefetch?: (params: Record<string, string>) => DocumentReference;
}

/** What the OpenAPI builder and the route-coverage test read: every declared route. */
export interface DeclaredRoute {
  method: Method;
  /** The full Express path, `/v1/orgs/:orgId/...`. */
  path: string;
  access:
    | { kind: 'org'; permission: Permission; options: OrgRouteOptions }
    | { kind: 'user' }
    | { kind: 'public' };
  spec: RouteSpec<string, QueryShape, unknown>;
}

export const declaredRoutes: DeclaredRoute[] = [];

/** Adds a route to the declarations that the OpenAPI document and its tests read. */
function record<Path extends string, Q extends QueryShape, B>(
  path: string,
  access: DeclaredRoute['access'],
  spec: RouteSpec<Path, Q, B>,
): void {
  declaredRoutes.push({
    method: spec.method,
    path,
    access,
    spec: spec as unknown as RouteSpec<string, QueryShape, unknown>,
  });
}

export interface Inputs<Path extends string, Q extends QueryShape, B> {
  params: Record<PathParams<Path>, string>;
  query: { [K in keyof Q]: z.output<Q[K]> };
  body: B;
}

function invalid(message: string, errors: FieldError[], extra: Record<string, unknown> = {}) {
  return new AppError('invalid_argument', message, { ...extra, errors });
}

/** The query string, checked against `shape`: one value each, none unknown, aliases folded in. */
export function parseQuery<Q extends QueryShape>(
  req: Request,
  shape: Q,
  aliases: Record<string, string> = {},
): { [K in keyof Q]: z.output<Q[K]> } {
  const known = Object.keys(shape);
  const errors: FieldError[] = [];
  const values: Record<string, string> = {};
  for (const [given, value] of Object.entries(req.query)) {
    const name = aliases[given] ?? given;
    if (!known.includes(name)) {
      const allowed = [...known, ...Object.keys(aliases)].join(', ') || 'none';
      errors.push({
        field: given,
        message: `is not a known query parameter (allowed: ${allowed})`,
      });
    } else if (typeof value !== 'string') {
      errors.push({ field: given, message: 'must be given once, as plain text' });
    } else if (name in values) {
      errors.push({ field: given, message: `is given twice (as ${name} and an alias)` });
    } else {
      values[name] = value;
    }
  }
  const parsed = check(z.object(shape), values, known);
  if (!parsed.ok) errors.push(...parsed.errors);
  if (errors.length) {
    throw invalid(errors.map((e) => `${e.field} ${e.message}`).join('; '), errors, {
      field: errors[0].field,
    });
  }
  return (parsed.ok ? parsed.value : {}) as { [K in keyof Q]: z.output<Q[K]> };
}

function bodyError(errors: FieldError[]): AppError {
  const summary = errors.map((e) => (e.field ? `${e.field} ${e.message}` : e.message)).join('; ');
  return invalid(`Invalid request: ${summary}`, errors);
}

/** The JSON body, checked by the declaration's validator or schema. */
export function parseBody<B>(req: Request, spec: BodySpec<B> | undefined): B {
  const raw: unknown = req.body;
  const absent = raw === undefined || raw === null || raw === '';
  if (!spec) {
    // A route without a body takes none: fields sent to it would be silently lost.
    if (absent || (isPlainObject(raw) && Object.keys(raw).length === 0)) return undefined as B;
    throw new AppError('invalid_argument', 'This route takes no request body; send none');
  }
  // curl -d sends application/x-www-form-urlencoded unless told otherwise: say so, rather than
  // answering "name is required" about a body that was never read.
  if (req.is(['application/json', 'application/*+json']) === false) {
    throw new AppError(
      'unsupported_media_type',
      `Send the body as JSON with Content-Type: application/json (got ${req.header('content-type')})`,
    );
  }
  const body: unknown = absent
    ? {}
    : Array.isArray(raw) && spec.arrayAs
      ? { [spec.arrayAs]: raw }
      : raw;
  if (spec.validate) {
    if (!isPlainObject(body)) {
      throw new AppError('invalid_argument', 'The request body must be a JSON object');
    }
    const validated = spec.validate(body);
    if (!validated.ok) throw bodyError(validated.errors);
    return validated.value;
  }
  const parsed = check(spec.schema, body);
  if (!parsed.ok) throw bodyError(parsed.errors);
  return parsed.value as B;
}

function inputs<Path extends string, Q extends QueryShape, B>(
  req: Request,
  spec: RouteSpec<Path, Q, B>,
): Inputs<Path, Q, B> {
  const params = req.params as Record<string, string>;
  const query = parseQuery(req, spec.query ?? ({} as Q), spec.queryAliases);
  const body = spec.rawBody ? (undefined as B) : parseBody(req, spec.body);
  return { params: params as Record<PathParams<Path>, string>, query, body };
}

export type OrgEndpointAccess<Path extends string, Q extends QueryShape, B> = OrgAccess &
  Inputs<Path, Q, B>;

/**
 * A declared route under /v1/orgs/:orgId/... that needs `permission` in that organisation.
 * `options` PEOPLE_ONLY (http/routes.ts) refuses API keys; the document says so.
 */
export function orgEndpoint<
  Path extends string,
  Q extends QueryShape = Record<never, never>,
  B = undefined,
>(
  router: Router,
  permission: Permission,
  spec: RouteSpec<Path, Q, B>,
  handler: (
    req: Request,
    res: Response,
    access: OrgEndpointAccess<Path, Q, B>,
  ) => Promise<void> | void,
  options: OrgRouteOptions = { apiKeys: true },
): void {
  const path = `/v1/orgs/:orgId${spec.path}`;
  record(path, { kind: 'org', permission, options }, spec);
  router[spec.method](path, async (req: Request, res: Response) => {
    const params = req.params as Record<string, string>;
    parsePathParams(params);
    const access = await authorizeOrg(
      req,
      params.orgId,
      permission,
      options,
      spec.prefetch?.(params),
    );
    // Who may call is settled before the query and body are read: outsiders learn nothing.
    await handler(req, res, { ...access, ...inputs(req, spec) });
  });
}

/** A declared route that needs a signed-in person (an ID token), in no particular organisation. */
export function userEndpoint<
  Path extends string,
  Q extends QueryShape = Record<never, never>,
  B = undefined,
>(
  router: Router,
  spec: RouteSpec<Path, Q, B>,
  handler: (
    req: Request,
    res: Response,
    access: { caller: UserCaller } & Inputs<Path, Q, B>,
  ) => Promise<void> | void,
  /**
   * Refuses a caller (throws) before the query and body are read, as an org route's role is:
   * POST /v1/orgs needs a verified email whatever the body says.
   */
  admit?: (caller: UserCaller) => void,
): void {
  record(spec.path, { kind: 'user' }, spec);
  router[spec.method](spec.path, async (req: Request, res: Response) => {
    parsePathParams(req.params as Record<string, string>);
    const caller = await signedInUser(req);
    admit?.(caller);
    await handler(req, res, { caller, ...inputs(req, spec) });
  });
}

/** A declared public route (no Authorization). */
export function publicEndpoint<
  Path extends string,
  Q extends QueryShape = Record<never, never>,
  B = undefined,
>(
  router: Router,
  spec: RouteSpec<Path, Q, B>,
  handler: (req: Request, res: Response, input: Inputs<Path, Q, B>) => Promise<void> | void,
): void {
  record(spec.path, { kind: 'public' }, spec);
  router[spec.method](spec.path, async (req: Request, res: Response) => {
    parsePathParams(req.params as Record<string, string>);
    await handler(req, res, inputs(req, spec));
  });
}

/**
 * A declared public route that reads its own request: nothing is parsed before `handler`. For a
 * route whose path is not an id to refuse with a 400 nor its query a list to check, such as
 * GET /s/{token}, where anything that is not a known code gets the same 404 page and a scan URL
 * may carry whatever a printer or a campaign appended.
 */
export function publicRawEndpoint<Path extends string>(
  router: Router,
  spec: RouteSpec<Path, Record<never, never>, undefined> & { query?: never; body?: never },
  handler: (req: Request, res: Response) => Promise<void> | void,
): void {
  record(spec.path, { kind: 'public' }, spec);
  router[spec.method](spec.path, handler);
}
