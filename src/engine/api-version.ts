import { EngineError } from '../common/errors.js';
import type { ApiVersion } from './types.js';

/**
 * Newest Engine API version this client is written for (Docker Engine 27). Bosun uses the lower
 * of this and the engine's version, so it speaks 1.41 to Docker 20.10 and Podman 4, and 1.47 to
 * newer engines, including Docker 29.0, whose minimum is 1.44.
 */
export const CLIENT_API_VERSION = '1.47' as ApiVersion;

/** First API version whose container create accepts more than one network in `EndpointsConfig`. */
export const MULTI_NETWORK_CREATE_API_VERSION = '1.44' as ApiVersion;

const VERSION_PATTERN = /^(\d{1,3})\.(\d{1,4})$/;

/** Validates `value` as `MAJOR.MINOR`, or returns undefined. */
export function parseApiVersion(value: string): ApiVersion | undefined {
  return VERSION_PATTERN.test(value) ? (value as ApiVersion) : undefined;
}

/** Compares two API versions numerically (`1.9` < `1.41`). */
export function compareApiVersions(left: ApiVersion, right: ApiVersion): number {
  const [leftMajor, leftMinor] = left.split('.').map(Number) as [number, number];
  const [rightMajor, rightMinor] = right.split('.').map(Number) as [number, number];
  return leftMajor - rightMajor || leftMinor - rightMinor;
}

/**
 * Picks the API version to use with an engine: the lower of the engine's and ours.
 *
 * @throws EngineError `engine.api_unsupported` when the engine's minimum is above ours.
 */
export function negotiateApiVersion(server: ApiVersion, serverMin: ApiVersion | undefined, endpoint: string): ApiVersion {
  const chosen = compareApiVersions(server, CLIENT_API_VERSION) < 0 ? server : CLIENT_API_VERSION;
  if (serverMin !== undefined && compareApiVersions(chosen, serverMin) < 0) {
    throw new EngineError('engine.api_unsupported', `${endpoint} requires Engine API ${serverMin} or newer; this Bosun speaks up to ${CLIENT_API_VERSION}`, {
      endpoint,
      hint: 'upgrade Bosun, or run an engine that still serves this API version',
    });
  }
  return chosen;
}
