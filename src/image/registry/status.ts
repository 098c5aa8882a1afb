import { RegistryError } from '../../common/errors.js';

export interface StatusContext {
  registry: string;
  repository?: string;
  /** The requested resource, for the message: a reference such as `127.0.0.1:5000/lab/app:1`. */
  subject: string;
  /** The registry's own error code and message, from its JSON error body. */
  detail?: string;
  /** Whether credentials were sent, which changes the advice for 401. */
  hasCredentials: boolean;
}

/**
 * Maps an HTTP error status from a registry to a RegistryError. Codes: `registry.unauthorized`
 * (401), `registry.denied` (403), `registry.not_found` (404), `registry.rate_limited` (429),
 * `registry.unavailable` (5xx) and `registry.error` for anything else.
 */
export function statusError(status: number, context: StatusContext): RegistryError {
  const { registry, repository } = context;
  const detail = context.detail ? ` (${context.detail})` : '';
  const make = (code: string, message: string, hint: string): RegistryError =>
    new RegistryError(code, `${message}${detail}`, { registry, repository, status, hint });

  if (status === 401) {
    return make(
      'registry.unauthorized',
      `registry ${registry} rejected the request for ${context.subject} as unauthorized (HTTP 401)`,
      context.hasCredentials
        ? 'Check the username and password (options, BOSUN_REGISTRY_USERNAME/BOSUN_REGISTRY_PASSWORD, or "docker login") and that they may pull this repository.'
        : 'The registry needs credentials: pass a username and password, set BOSUN_REGISTRY_USERNAME and BOSUN_REGISTRY_PASSWORD, or run "docker login".',
    );
  }
  if (status === 403) {
    return make(
      'registry.denied',
      `registry ${registry} denied access to ${context.subject} (HTTP 403)`,
      'The credentials are valid but may not pull this repository; ask the registry operator for access.',
    );
  }
  if (status === 404) {
    return make(
      'registry.not_found',
      `${context.subject} was not found on registry ${registry} (HTTP 404)`,
      'Check the repository name and the tag or digest; list the tags with the registry client.',
    );
  }
  if (status === 429) {
    return make(
      'registry.rate_limited',
      `registry ${registry} kept rate-limiting requests for ${context.subject} (HTTP 429) after retries`,
      'Wait before retrying, or log in: registries such as Docker Hub allow more pulls to authenticated users.',
    );
  }
  if (status >= 500 && status <= 599) {
    return make(
      'registry.unavailable',
      `registry ${registry} failed with HTTP ${status} for ${context.subject} after retries`,
      'The registry has a server-side problem; retry later or check its status.',
    );
  }
  return make('registry.error', `registry ${registry} returned HTTP ${status} for ${context.subject}`, 'Check the registry address and the reference.');
}
