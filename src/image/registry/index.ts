/** The registry client: OCI distribution API access, authentication and image opening. */
export { RegistryClient, type RegistryOptions, type FetchedManifest, type ManifestHead } from './client.js';
export { openRegistryImage, resolveManifest, headDigest, type ResolvedManifest } from './open.js';
export { resolveCredentials, defaultDockerConfigPath, type Credentials, type CredentialOptions, type CredentialLookup } from './credentials.js';
export { TokenCache, parseChallenges, type Challenge } from './auth.js';
export { registryBaseUrl, isLoopbackHost, DOCKER_HUB_API_HOST } from './endpoint.js';
export type { RetryOptions } from './http.js';
export type { BlobThroughputOptions } from './blob-body.js';
