/**
 * The HTTP service behind `bosun serve`: the REST API under /api/v1 with its OpenAPI document,
 * bearer-token auth, Atom feeds, Prometheus metrics and the start and stop of the service.
 */
export { startServer, type RunningServer, type StartServerOptions } from './serve.js';
export { createApp, routes, honoPathOf } from './app.js';
export { openApiDocument } from './openapi.js';
export { Metrics, collectMetrics } from './metrics.js';
export { writeExposition, Histogram, EXPOSITION_CONTENT_TYPE, type MetricFamily, type Sample } from './exposition.js';
export { noVerdicts, policyVerdicts, type ImageVerdict, type VerdictSource } from './verdicts.js';
export { ApiError, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE, type PageResult } from './http.js';
export { bearerToken } from './auth.js';
export {
  createToken,
  ensureInitialTokens,
  findToken,
  generateToken,
  hashToken,
  listTokens,
  parseScope,
  revokeToken,
  storeToken,
  type InitialTokens,
  type TokenInfo,
  type TokenScope,
} from './tokens.js';
export type { MonitorControl, RouteSpec, ServerContext } from './context.js';
