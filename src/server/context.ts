import type { Context } from 'hono';
import type { z } from 'zod';
import type { Logger } from '../common/log.js';
import type { MonitorStatus } from '../monitor/types.js';
import type { Store } from '../store/index.js';
import type { Metrics } from './metrics.js';
import type { TokenInfo } from './tokens.js';
import type { VerdictSource } from './verdicts.js';

/** The part of the monitor the server drives. `Monitor` from src/monitor fits it. */
export interface MonitorControl {
  syncNow(): Promise<unknown>;
  status(): Promise<MonitorStatus>;
}

/** Services and settings that every handler can use. */
export interface ServerContext {
  store: Store;
  /** Absent when the API runs without a monitor, as in tests and in read-only use. */
  monitor: MonitorControl | undefined;
  verdicts: VerdictSource;
  metrics: Metrics;
  /** Base URL that clients reach the server at, for links in feeds: `http://127.0.0.1:8780`. */
  publicUrl: string;
  startedAt: Date;
  log: Logger;
}

/** Caller a route accepts: an `api` token, a token for `/metrics`, a feed token in the URL, or anyone. */
export type RouteAuth = 'api' | 'metrics' | 'feed' | 'none';

/** The validated input of a request. */
export interface RouteInput<Q, P, B> {
  query: Q;
  params: P;
  body: B;
  token: TokenInfo | undefined;
}

/**
 * One route of the server. The same table registers the routes with hono and writes the
 * OpenAPI document, so the document cannot leave a route out.
 */
export interface RouteSpec<Q = any, P = any, B = any> {
  method: 'get' | 'post' | 'delete';
  /** Path in OpenAPI form: `/api/v1/images/{digest}`. */
  path: string;
  /**
   * Path in hono form, when converting `path` is not enough: hono cannot put a parameter and a
   * literal in one segment without a regular expression.
   */
  honoPath?: string;
  summary: string;
  tag: string;
  auth: RouteAuth;
  query?: z.ZodType<Q>;
  params?: z.ZodType<P>;
  body?: z.ZodType<B>;
  /** Status and body of the success response; JSON unless `contentType` names another type. */
  response: { status: 200 | 201 | 202 | 204; description: string; schema?: z.ZodType; contentType?: string };
  /** Further error statuses besides 400, 401, 403 and 500. */
  errors?: Array<404 | 409 | 503>;
  /** Returns the JSON body, or a ready Response for other content types. */
  handler(input: RouteInput<Q, P, B>, server: ServerContext, c: Context): Promise<unknown>;
}

/** Declares a route with its types inferred from the schemas. */
export function route<Q = undefined, P = undefined, B = undefined>(spec: RouteSpec<Q, P, B>): RouteSpec<Q, P, B> {
  return spec;
}
