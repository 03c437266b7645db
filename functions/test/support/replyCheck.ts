// Checks a reply against the API's own OpenAPI document (GET /openapi.json from the stack): the
// status must be documented for that method and path, a JSON body must match its schema, any
// other body must have a documented media type. Every test that goes through `call()` checks
// its replies this way, so a route whose replies drift from the document fails its own tests.
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { functionUrl } from './stack';

type JsonObject = Record<string, unknown>;

interface Operation {
  template: string;
  pattern: RegExp;
  /** Path parameters: fewer means more specific (export.csv before {assetId}). */
  params: number;
  responses: Record<string, { content?: Record<string, { schema?: JsonObject }> }>;
}

interface Checker {
  operations: Map<string, Operation[]>;
  validatorOf: (schema: JsonObject) => ValidateFunction;
}

let checker: Promise<Checker> | undefined;

function templatePattern(template: string): RegExp {
  const escaped = template
    .split(/\{[^}]+\}/)
    .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
    .join('[^/]+');
  return new RegExp(`^${escaped}$`);
}

async function load(): Promise<Checker> {
  const res = await fetch(`${functionUrl('api')}/openapi.json`);
  if (res.status !== 200) throw new Error(`GET /openapi.json: HTTP ${res.status}`);
  const doc = (await res.json()) as {
    paths: Record<string, Record<string, Operation['responses'] | JsonObject>>;
    components: { schemas: Record<string, JsonObject> };
  };
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: 'openapi', components: doc.components });
  const operations = new Map<string, Operation[]>();
  for (const [template, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const list = operations.get(method) ?? [];
      list.push({
        template,
        pattern: templatePattern(template),
        params: (template.match(/\{/g) ?? []).length,
        responses: (op as { responses: Operation['responses'] }).responses,
      });
      operations.set(method, list);
    }
  }
  for (const list of operations.values()) list.sort((a, b) => a.params - b.params);
  const compiled = new Map<string, ValidateFunction>();
  const validatorOf = (schema: JsonObject): ValidateFunction => {
    // The document's $refs point into its components: resolve them against the copy added above.
    const text = JSON.stringify(schema).replaceAll('"#/components/', '"openapi#/components/');
    let validate = compiled.get(text);
    if (!validate) {
      validate = ajv.compile(JSON.parse(text) as JsonObject);
      compiled.set(text, validate);
    }
    return validate;
  };
  return { operations, validatorOf };
}

/** Throws, naming the route and what differs, when the reply is not what the document says. */
export async function checkReply(
  method: string,
  path: string,
  status: number,
  contentType: string | null,
  body: unknown,
): Promise<void> {
  checker ??= load();
  const { operations, validatorOf } = await checker;
  const pathname = path.split('?')[0];
  const operation = operations.get(method.toLowerCase())?.find((op) => op.pattern.test(pathname));
  // Paths that no route serves (404s) have nothing to be checked against; openapi.test.ts checks
  // that every served route is in the document.
  if (!operation) return;
  const where = `${method} ${path} -> ${status} (documented as ${operation.template})`;
  const response =
    operation.responses[String(status)] ??
    (status >= 400 ? operation.responses.default : undefined);
  if (!response) {
    const documented = Object.keys(operation.responses).join(', ');
    throw new Error(`${where}: status ${status} is not documented (documented: ${documented})`);
  }
  const content = response.content;
  if (!content || status === 204 || status === 304) return;
  const type = (contentType ?? '').split(';')[0].trim();
  const media = content[type];
  if (!media) {
    throw new Error(
      `${where}: content type ${type || 'none'} is not documented (${Object.keys(content).join(', ')})`,
    );
  }
  if (type !== 'application/json' || !media.schema) return;
  const validate = validatorOf(media.schema);
  if (!validate(body)) {
    const problems = (validate.errors ?? [])
      .slice(0, 5)
      .map((e) => `${e.instancePath || '(body)'} ${e.message ?? ''} ${JSON.stringify(e.params)}`)
      .join('; ');
    throw new Error(`${where}: the body does not match its documented schema: ${problems}`);
  }
}
