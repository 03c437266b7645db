// GET /openapi.json: an OpenAPI 3.1 description of the API, built from the route declarations
// (http/declare.ts) so that it cannot drift from what the routes parse. OpenAPI 3.1 schemas are
// JSON Schema 2020-12, which is what zod's own z.toJSONSchema writes.
import { createHash } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import { idSchema } from '../domain/schemas/kit';
import { declaredRoutes, publicEndpoint, type DeclaredRoute } from './declare';
import { empty, errorReplySchema, json, type ReplySpec } from './schemas/replies';
import { PERMISSIONS } from '../domain/roles';
import { ifNoneMatchHits } from './qrImage';

type JsonObject = Record<string, unknown>;

/** `/v1/orgs/:orgId/codes/:code` -> `/v1/orgs/{orgId}/codes/{code}`. */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonObject {
  const out = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' });
  delete out.$schema;
  return out as JsonObject;
}

function pathParameters(path: string): JsonObject[] {
  return [...path.matchAll(/:([A-Za-z0-9_]+)/g)].map(([, name]) => ({
    name,
    in: 'path',
    required: true,
    schema: jsonSchema(idSchema, 'input'),
  }));
}

function queryParameters(route: DeclaredRoute): JsonObject[] {
  const query = route.spec.query ?? {};
  const aliases = route.spec.queryAliases ?? {};
  const params = Object.entries(query).map(([name, schema]) => {
    const aliasNames = Object.keys(aliases).filter((alias) => aliases[alias] === name);
    const out = jsonSchema(schema, 'input');
    const description = [
      typeof out.description === 'string' ? out.description : undefined,
      aliasNames.length ? `Also accepted as ${aliasNames.join(', ')}.` : undefined,
    ]
      .filter(Boolean)
      .join(' ');
    return {
      name,
      in: 'query',
      required: !schema.safeParse(undefined).success,
      schema: out,
      ...(description ? { description } : {}),
    };
  });
  for (const [alias, name] of Object.entries(aliases)) {
    params.push({
      name: alias,
      in: 'query',
      required: false,
      schema: jsonSchema(query[name], 'input'),
      description: `Another name for ${name}.`,
    });
  }
  return params;
}

function requestBody(route: DeclaredRoute): JsonObject | undefined {
  const { body, rawBody } = route.spec;
  if (rawBody) {
    return {
      required: true,
      description: rawBody.description,
      content: { [rawBody.contentType]: { schema: jsonSchema(rawBody.schema, 'input') } },
    };
  }
  if (!body) return undefined;
  return {
    required: false,
    content: { 'application/json': { schema: jsonSchema(body.schema, 'input') } },
  };
}

function reply(spec: ReplySpec): JsonObject {
  switch (spec.kind) {
    case 'json':
      return {
        description: spec.description,
        content: {
          'application/json': { schema: jsonSchema(spec.schema, 'output') },
          ...Object.fromEntries(spec.otherTypes.map((type) => [type, {}])),
        },
      };
    case 'media':
      return {
        description: spec.description,
        content: Object.fromEntries(spec.types.map((type) => [type, {}])),
      };
    case 'empty':
      return { description: spec.description };
  }
}

function operation(route: DeclaredRoute): JsonObject {
  const { spec, access } = route;
  const responses: JsonObject = Object.fromEntries(
    Object.entries(spec.replies).map(([status, replySpec]) => [status, reply(replySpec)]),
  );
  responses.default = {
    description:
      'An error: 400 bad input, 401, 403, 404, 409, 410, 413, 415, 429 or 500. Cloud Functions ' +
      'itself may refuse a body that is not JSON before the app sees it, with an HTML page.',
    content: {
      'application/json': { schema: { $ref: '#/components/schemas/Error' } },
      'text/html': {},
    },
  };
  const who =
    access.kind === 'org'
      ? `Needs the ${PERMISSIONS[access.permission]} role or higher in the organisation.` +
        (access.options.apiKeys ? '' : ' People only: an API key is refused (403 key_not_allowed).')
      : access.kind === 'user'
        ? 'Needs a signed-in user (a Firebase ID token), not an API key.'
        : 'Public: no Authorization.';
  const parameters = [...pathParameters(route.path), ...queryParameters(route)];
  const body = requestBody(route);
  return {
    operationId: `${route.method}${openApiPath(route.path).replace(/[^A-Za-z0-9]+(.)?/g, (_m, c?: string) => (c ? c.toUpperCase() : ''))}`,
    summary: spec.summary,
    description: [spec.description, who].filter(Boolean).join('\n\n'),
    tags: spec.tags,
    ...(parameters.length ? { parameters } : {}),
    ...(body ? { requestBody: body } : {}),
    ...(access.kind === 'public' ? { security: [] } : {}),
    ...(access.kind === 'org' && !access.options.apiKeys ? { 'x-people-only': true } : {}),
    responses,
  };
}

export function buildOpenApiDocument(routes: DeclaredRoute[] = declaredRoutes): JsonObject {
  const paths: Record<string, JsonObject> = {};
  for (const route of routes) {
    const path = openApiPath(route.path);
    paths[path] = { ...paths[path], [route.method]: operation(route) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'QR asset backend',
      version: '1',
      description:
        'Organisations and their members, invitations and API keys; equipment, standalone QR ' +
        'codes and their scans, labels, tags and manufacturing codes. ' +
        'Errors are always {"error": {"code", "message", "details"?}}; a 400 for bad input ' +
        'lists every problem in details.errors as [{field, message}].',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b))),
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'A Firebase ID token, or an organisation API key',
        },
      },
      schemas: { Error: jsonSchema(errorReplySchema, 'output') },
    },
  };
}

export const openApiRouter = Router();

let cached: { text: string; etag: string } | undefined;

publicEndpoint(
  openApiRouter,
  {
    method: 'get',
    path: '/openapi.json',
    summary: 'This description of the API (OpenAPI 3.1)',
    tags: ['meta'],
    replies: {
      200: json('The OpenAPI 3.1 document', z.looseObject({ openapi: z.literal('3.1.0') })),
      304: empty('Not modified (If-None-Match named the current ETag)'),
    },
  },
  (req, res) => {
    // Built on first request: every router has declared its routes by then.
    if (!cached) {
      const text = JSON.stringify(buildOpenApiDocument());
      const hash = createHash('sha256').update(text).digest('base64url').slice(0, 27);
      cached = { text, etag: `"${hash}"` };
    }
    res.set({ ETag: cached.etag, 'Cache-Control': 'public, max-age=300' });
    if (ifNoneMatchHits(req.header('if-none-match'), cached.etag)) {
      res.status(304).end();
      return;
    }
    res.type('application/json').send(cached.text);
  },
);
