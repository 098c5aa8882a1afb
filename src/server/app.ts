import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { describeError } from '../common/errors.js';
import { advisoryRoutes } from './api/advisories.js';
import { controlRoutes } from './api/control.js';
import { findingRoutes } from './api/findings.js';
import { imageRoutes } from './api/images.js';
import { inventoryRoutes } from './api/inventory.js';
import { noticeRoutes } from './api/notices.js';
import { siteRoutes } from './api/site.js';
import { authenticate } from './auth.js';
import { route, type RouteSpec, type ServerContext } from './context.js';
import { ApiError, sendError, toApiError, validate } from './http.js';
import { openApiDocument } from './openapi.js';

/** Request bodies larger than this are rejected with 413; the largest real body is an ignore rule. */
const MAX_BODY_BYTES = 64 * 1024;

/** Route table of the server, the OpenAPI document's own route included. */
export const routes: readonly RouteSpec[] = (() => {
  const table: RouteSpec[] = [...siteRoutes, ...inventoryRoutes, ...imageRoutes, ...advisoryRoutes, ...findingRoutes, ...noticeRoutes, ...controlRoutes];
  let document: Record<string, unknown> | undefined;
  table.push(
    route({
      method: 'get',
      path: '/api/v1/openapi.json',
      summary: 'This OpenAPI 3.1 document',
      tag: 'site',
      auth: 'api',
      response: { status: 200, description: 'The document' },
      async handler() {
        document ??= openApiDocument(table);
        return document;
      },
    }),
  );
  return table;
})();

/** Builds the hono application for `server` from the route table. */
export function createApp(server: ServerContext, table: readonly RouteSpec[] = routes): Hono {
  const app = new Hono();

  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    c.header('x-content-type-options', 'nosniff');
    // The query string is left out of the log: feed URLs carry their token there.
    server.log.debug({ method: c.req.method, path: c.req.path, status: c.res.status, durationMs: Math.round(performance.now() - started) }, 'request');
  });
  app.use(
    '/api/*',
    bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => sendError(c, new ApiError(413, 'body_too_large', `request body larger than ${MAX_BODY_BYTES} bytes`)) }),
  );

  for (const spec of table) app.on(spec.method.toUpperCase(), spec.honoPath ?? honoPathOf(spec.path), (c) => handle(spec, server, c));

  app.notFound((c) => sendError(c, new ApiError(404, 'not_found', `no route for ${c.req.method} ${c.req.path}`)));
  app.onError((error, c) => {
    const apiError = toApiError(error);
    if (apiError.status === 500) server.log.error({ method: c.req.method, path: c.req.path, err: describeError(error), stack: error.stack }, 'request failed');
    return sendError(c, apiError);
  });
  return app;
}

async function handle(spec: RouteSpec, server: ServerContext, c: Context): Promise<Response> {
  const token = await authenticate(spec, server, c);
  const input = {
    query: spec.query === undefined ? undefined : validate(spec.query, c.req.query(), 'query parameter'),
    params: spec.params === undefined ? undefined : validate(spec.params, paramsOf(spec, c), 'path parameter'),
    body: spec.body === undefined ? undefined : validate(spec.body, await readJson(c), 'body field'),
    token,
  };

  const result = await spec.handler(input, server, c);
  if (result instanceof Response) return result;
  c.header('cache-control', 'no-store');
  if (spec.response.status === 204) return c.body(null, 204);
  return c.json(result, spec.response.status);
}

/** Converts `/images/{digest}` to hono's `/images/:digest`. */
export function honoPathOf(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}

/**
 * Reads path parameters. A parameter followed by a literal in its segment (`{name}.atom`) is
 * matched by hono with the literal, which is removed here.
 */
function paramsOf(spec: RouteSpec, c: Context): Record<string, string> {
  const params: Record<string, string> = c.req.param();
  for (const [, name, suffix] of spec.path.matchAll(/\{(\w+)\}([^/{]+)/g)) {
    const value = params[name!];
    if (value !== undefined && value.endsWith(suffix!)) params[name!] = value.slice(0, -suffix!.length);
  }
  return params;
}

async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') return undefined;
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/(.+\+)?json\b/i.test(type)) {
    throw new ApiError(415, 'unsupported_media_type', 'request body must be JSON with content-type application/json');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError(400, 'invalid_request', 'invalid body: not valid JSON');
  }
}
