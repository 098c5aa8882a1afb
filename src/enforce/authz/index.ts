/** The Docker authorization plugin: protocol, request classification, decisions and the socket server. */
export { Authorizer, denialMessage, type AuthorizerOptions } from './decide.js';
export { VerdictCache, type Clock } from './cache.js';
export { classifyRequest, judgedAction, MAX_REQUEST_BODY_BYTES, type JudgedAction, type RequestClass } from './classify.js';
export {
  ACTIVATE_PATH,
  ACTIVATE_RESPONSE,
  AUTHZ_REQUEST_PATH,
  AUTHZ_RESPONSE_PATH,
  PLUGIN_CONTENT_TYPE,
  authzRequestSchema,
  type AuthzRequest,
  type AuthzResponse,
} from './protocol.js';
export { startPluginServer, DEFAULT_PLUGIN_DIR, DEFAULT_PLUGIN_NAME, MAX_PLUGIN_REQUEST_BYTES, type PluginServer, type PluginServerOptions } from './server.js';
