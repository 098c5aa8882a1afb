/**
 * The engine module: a client for the Docker Engine API on Docker and Podman endpoints
 * (containers, images, events, Swarm services) and the recreate spec used by rollouts.
 */
export { EngineClient, type EngineClientOptions, type RequestOptions, type Filters } from './client.js';
export {
  parseEndpoint,
  defaultEndpoint,
  tlsFromCertPath,
  isLoopbackHost,
  DEFAULT_DOCKER_SOCKET,
  DEFAULT_PODMAN_SOCKET,
  type EngineEndpoint,
  type EngineKind,
  type EngineTls,
  type ParseEndpointOptions,
} from './endpoint.js';
export { CLIENT_API_VERSION, compareApiVersions, negotiateApiVersion, parseApiVersion } from './api-version.js';
export { LineSplitter, parseEventLine, MAX_EVENT_LINE_BYTES, type EventsOptions } from './events.js';
export { hasHealthcheck, type WaitHealthyOptions } from './health.js';
export { recreateSpec, type CreateContainerBody, type NetworkToConnect, type RecreateOptions, type RecreateSpec } from './recreate.js';
export { COMPOSE_PROJECT_LABEL, COMPOSE_SERVICE_LABEL } from './convert.js';
export * from './types.js';
