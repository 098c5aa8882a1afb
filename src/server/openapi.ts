import { z } from 'zod';
import { bosunVersion } from '../common/version.js';
import type { RouteSpec } from './context.js';
import { errorBodySchema } from './http.js';

type JsonObject = Record<string, unknown>;

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request; error.field names the invalid parameter or field',
  401: 'Missing or unknown token',
  403: 'The token has another scope',
  404: 'Not found',
  409: 'Conflict with work in progress',
  500: 'Internal error; the server log has the details',
  503: 'The monitor is not running in this process',
};

/**
 * Writes the OpenAPI 3.1 document of `routes`. Parameter and body schemas are converted from
 * the same zod schemas that validate requests, so the document and the validation agree.
 */
export function openApiDocument(routes: readonly RouteSpec[]): JsonObject {
  const paths: Record<string, JsonObject> = {};
  for (const spec of routes) {
    const operations = (paths[spec.path] ??= {});
    operations[spec.method] = operation(spec);
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'Bosun API',
      version: bosunVersion,
      description: 'Container inventory, images, advisories, findings, notices and control of a Bosun service. Lists return { items, next }; errors return { error: { code, message } }.',
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A token created by bosun serve on first start or by bosun token create' },
        feedToken: { type: 'apiKey', in: 'query', name: 'token', description: 'A feed:all or feed:endpoint:NAME token' },
      },
      schemas: { Error: jsonSchema(errorBodySchema, 'output') },
    },
    paths,
  };
}

function operation(spec: RouteSpec): JsonObject {
  const op: JsonObject = {
    operationId: operationId(spec),
    summary: spec.summary,
    tags: [spec.tag],
    parameters: [...parameters(spec.params, 'path'), ...parameters(spec.query, 'query')],
    responses: responses(spec),
  };
  if (spec.auth === 'api' || spec.auth === 'metrics') op['security'] = [{ bearer: [] }];
  else if (spec.auth === 'feed') op['security'] = [{ feedToken: [] }];
  else op['security'] = [];

  if (spec.body !== undefined) {
    op['requestBody'] = {
      required: !spec.body.safeParse(undefined).success,
      content: { 'application/json': { schema: jsonSchema(spec.body, 'input') } },
    };
  }
  return op;
}

function responses(spec: RouteSpec): JsonObject {
  const success: JsonObject = { description: spec.response.description };
  if (spec.response.status !== 204) {
    const type = spec.response.contentType ?? 'application/json';
    let schema: JsonObject = type === 'application/json' ? { type: 'object' } : { type: 'string' };
    if (spec.response.schema !== undefined) schema = jsonSchema(spec.response.schema, 'output');
    success['content'] = { [type.split(';')[0]!]: { schema } };
  }

  const result: JsonObject = { [String(spec.response.status)]: success };
  const statuses = new Set<number>([500, ...(spec.errors ?? [])]);
  if (spec.query !== undefined || spec.params !== undefined || spec.body !== undefined) statuses.add(400);
  if (spec.auth !== 'none') statuses.add(401).add(403);
  for (const status of [...statuses].sort()) {
    result[String(status)] = { description: ERROR_DESCRIPTIONS[status], content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
  }
  return result;
}

/** Lists the properties of an object schema as OpenAPI parameters. */
function parameters(schema: z.ZodType | undefined, location: 'path' | 'query'): JsonObject[] {
  if (schema === undefined) return [];
  const json = jsonSchema(schema, 'input') as { properties?: Record<string, JsonObject>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property;
    const parameter: JsonObject = { name, in: location, required: location === 'path' || (json.required ?? []).includes(name), schema: rest };
    if (description !== undefined) parameter['description'] = description;
    return parameter;
  });
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonObject {
  const json = z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any' }) as JsonObject;
  delete json['$schema'];
  return json;
}

function operationId(spec: RouteSpec): string {
  const words = spec.path
    .replace(/^\/api\/v1/, '')
    .split(/[/.{}-]+/)
    .filter((word) => word !== '')
    .map((word) => word[0]!.toUpperCase() + word.slice(1));
  return `${spec.method}${words.join('') || 'Root'}`;
}
