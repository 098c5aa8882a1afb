import { createHash, type Hash } from 'node:crypto';
import { Transform, pipeline, type Readable, type TransformCallback } from 'node:stream';
import { Agent, type Dispatcher } from 'undici';
import { isDigest, truncate, type Digest } from '../../common/digest.js';
import { ImageFormatError, RegistryError, type Warning } from '../../common/errors.js';
import { logger } from '../../common/log.js';
import { MANIFEST_MEDIA_TYPES, MAX_MANIFEST_BYTES, parseManifest, type Descriptor, type Manifest } from '../manifest.js';
import { makeReference, type ImageReference } from '../reference.js';
import type { Platform } from '../types.js';
import { basicAuthorization, parseChallenges, parseTokenResponse, sharedTokenCache, TokenCache, type Challenge } from './auth.js';
import { resolveCredentials, type CredentialLookup, type CredentialOptions } from './credentials.js';
import { DEFAULT_MIN_BLOB_BYTES_PER_SECOND, GuardedBody, type BlobThroughputOptions } from './blob-body.js';
import { allowsPlainHttp, registryBaseUrl } from './endpoint.js';
import { discardBody, headerValue, HttpTransport, type HttpResponse, type RetryOptions, type SendOptions } from './http.js';
import { statusError } from './status.js';

const log = logger('registry');

/** Options for registry access. Only the first group is for users, and the rest serve tests and embedding. */
export interface RegistryOptions extends CredentialOptions {
  /** Platform to pick from a multi-platform index. Default: the host's platform. */
  platform?: Platform;
  /** Registries (`host[:port]`) reached over plain http. Loopback hosts always are. */
  insecureRegistries?: string[];
  /** Aborts every request of the operation. */
  signal?: AbortSignal;
  /** `User-Agent` header. Default `bosun`. */
  userAgent?: string;

  retry?: RetryOptions;
  /** Cache for bearer tokens. Default: one cache shared by the process. */
  tokenCache?: TokenCache;
  /** undici dispatcher to send requests with. Default: a new Agent, closed by `close()`. */
  dispatcher?: Dispatcher;
  /** Deadline for each manifest, token or tag-list request, body included, in ms. Default 30000. */
  requestTimeoutMs?: number;
  /** Min average rate of a blob download; defaults 16 KiB/s, checked after 60 s. */
  blobThroughput?: BlobThroughputOptions;
}

/** A manifest fetched and verified against its digest. */
export interface FetchedManifest {
  digest: Digest;
  mediaType: Manifest['mediaType'];
  manifest: Manifest;
  /** The exact bytes the digest covers. */
  body: Buffer;
}

/** Digest, media type and size of a manifest, from a HEAD request. */
export interface ManifestHead {
  digest: Digest;
  mediaType: string | undefined;
  size: number | undefined;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** Timeout for connecting, for response headers and between two chunks of a body. */
const CONNECT_TIMEOUT_MS = 10_000;
const HEADERS_TIMEOUT_MS = 30_000;
const BODY_IDLE_TIMEOUT_MS = 60_000;
/** Max size of a token response or a tag-list page. */
const MAX_JSON_RESPONSE_BYTES = 4 * 1024 * 1024;
const TAGS_PAGE_SIZE = 1000;
const MAX_TAG_PAGES = 1000;

interface AuthorizedRequest {
  method: 'GET' | 'HEAD';
  /** Path and query below the registry's base URL: `/v2/lab/app/manifests/1`. */
  path: string;
  repository: string | undefined;
  accept?: string;
  signal: AbortSignal | undefined;
  /** Whether the body is a stream of unbounded duration (a blob). */
  stream?: boolean;
}

/**
 * A client for one registry's OCI distribution API (pull side only). It pings `/v2/` once,
 * authenticates with the `Basic` or `Bearer` challenge it receives, and retries 429, 5xx and
 * broken connections. Every method throws RegistryError for registry failures and ImageFormatError for
 * content that fails verification.
 */
export class RegistryClient {
  readonly registry: string;
  /** Recoverable problems met so far, such as an unsupported credential helper. */
  readonly warnings: Warning[] = [];

  private readonly baseUrl: URL;
  private readonly options: RegistryOptions;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly transport: HttpTransport;
  private readonly tokens: TokenCache;
  private credentials: Promise<CredentialLookup> | undefined;
  private challenge: Promise<Challenge | null> | undefined;

  constructor(registry: string, options: RegistryOptions = {}) {
    this.registry = registry;
    this.options = options;
    this.baseUrl = registryBaseUrl(registry, options.insecureRegistries);
    this.ownsDispatcher = options.dispatcher === undefined;
    this.dispatcher =
      options.dispatcher ?? new Agent({ connectTimeout: CONNECT_TIMEOUT_MS, headersTimeout: HEADERS_TIMEOUT_MS, bodyTimeout: BODY_IDLE_TIMEOUT_MS });
    this.transport = new HttpTransport(this.dispatcher, registry, options.insecureRegistries ?? [], options.retry);
    this.tokens = options.tokenCache ?? sharedTokenCache;
  }

  /**
   * Fetches a manifest or index by tag or digest and verifies its bytes: against the digest
   * when pulling by digest, and against `Docker-Content-Digest` when the registry sends it.
   *
   * @throws ImageFormatError on a digest mismatch or a malformed manifest.
   */
  async getManifest(repository: string, tagOrDigest: string, signal?: AbortSignal): Promise<FetchedManifest> {
    const reference = this.reference(repository, tagOrDigest);
    const subject = `manifest of ${reference.toString()}`;
    const response = await this.send({
      method: 'GET',
      path: `/v2/${repository}/manifests/${tagOrDigest}`,
      repository,
      accept: MANIFEST_MEDIA_TYPES.join(', '),
      signal,
    });
    await this.checkStatus(response, reference);

    const body = await this.readBody(response, MAX_MANIFEST_BYTES, subject, repository);
    const digest = verifyManifestDigest(body, reference.digest, headerValue(response.headers, 'docker-content-digest'), subject);
    const manifest = parseManifest(body, headerValue(response.headers, 'content-type'), subject);
    log.debug({ registry: this.registry, repository, digest, mediaType: manifest.mediaType }, 'fetched manifest');
    return { digest, mediaType: manifest.mediaType, manifest, body };
  }

  /**
   * Returns a manifest's digest without downloading it, from `Docker-Content-Digest`. Falls back
   * to a GET when the registry omits the header, which the distribution spec allows.
   */
  async headManifest(repository: string, tagOrDigest: string, signal?: AbortSignal): Promise<ManifestHead> {
    const reference = this.reference(repository, tagOrDigest);
    const response = await this.send({
      method: 'HEAD',
      path: `/v2/${repository}/manifests/${tagOrDigest}`,
      repository,
      accept: MANIFEST_MEDIA_TYPES.join(', '),
      signal,
    });
    await this.checkStatus(response, reference);
    await response.body.dump().catch(() => undefined);

    const header = headerValue(response.headers, 'docker-content-digest');
    const length = Number(headerValue(response.headers, 'content-length'));
    const mediaType = headerValue(response.headers, 'content-type')?.split(';')[0]?.trim();
    if (header !== undefined && isDigest(header)) {
      return { digest: header as Digest, mediaType, size: Number.isSafeInteger(length) ? length : undefined };
    }

    const fetched = await this.getManifest(repository, tagOrDigest, signal);
    return { digest: fetched.digest, mediaType: fetched.mediaType, size: fetched.body.length };
  }

  /**
   * Streams a blob. The stream fails with ImageFormatError when the blob is larger than
   * `descriptor.size`, ends short of it, or does not hash to `descriptor.digest`, so a consumer
   * that reads to the end has verified bytes. Redirects to storage hosts are followed without
   * the registry's Authorization header.
   */
  async getBlob(repository: string, descriptor: Descriptor, signal?: AbortSignal): Promise<Readable> {
    const reference = this.reference(repository, descriptor.digest);
    const subject = `blob ${descriptor.digest} of ${reference.name}`;
    const response = await this.send({ method: 'GET', path: `/v2/${repository}/blobs/${descriptor.digest}`, repository, signal, stream: true });
    await this.checkStatus(response, reference);

    const declared = Number(headerValue(response.headers, 'content-length'));
    if (Number.isSafeInteger(declared) && declared > descriptor.size) {
      discardBody(response.body);
      throw new ImageFormatError(`${subject} is ${declared} bytes, more than the ${descriptor.size} its descriptor gives`);
    }

    const verifier = new BlobVerifier(descriptor, subject);
    return pipeline(this.guardBlobBody(response, repository, descriptor, signal), verifier, () => undefined);
  }

  /**
   * Wraps a blob body so that a stalled or broken download fails with a RegistryError naming
   * the blob, and so that a download below the minimum rate fails with `registry.timeout`.
   */
  private guardBlobBody(response: HttpResponse, repository: string, descriptor: Descriptor, signal: AbortSignal | undefined): Readable {
    const options = this.sendOptions('GET', response.url.pathname, repository, signal);
    options.subject = `blob ${descriptor.digest} of ${repository}`;
    const throughput = this.options.blobThroughput ?? {};
    return new GuardedBody(response.body, {
      ...throughput,
      mapError: (error) => this.transport.transportError(error, options),
      slowError: (bytes, elapsedMs) => {
        const rate = Math.round((bytes * 1000) / elapsedMs);
        return new RegistryError(
          'registry.timeout',
          `download of blob ${descriptor.digest} of ${repository} from registry ${this.registry} is too slow: ${bytes} of ${descriptor.size} bytes in ${Math.round(elapsedMs / 1000)} s (${rate} bytes/s, below the minimum of ${throughput.minBytesPerSecond ?? DEFAULT_MIN_BLOB_BYTES_PER_SECOND} bytes/s)`,
          {
            registry: this.registry,
            repository,
            hint: 'Check the network path to the registry or its storage backend, or retry later.',
          },
        );
      },
    });
  }

  /**
   * Reads a whole blob into memory and verifies it; for configs and other small JSON blobs.
   *
   * @throws ImageFormatError when the descriptor's size is above `maxBytes` or the bytes do not verify.
   */
  async readBlob(repository: string, descriptor: Descriptor, maxBytes: number, signal?: AbortSignal): Promise<Buffer> {
    const subject = `blob ${descriptor.digest} of ${this.registry}/${repository}`;
    if (descriptor.size > maxBytes) {
      throw new ImageFormatError(`${subject} is ${descriptor.size} bytes, more than the limit of ${maxBytes}`);
    }

    const stream = await this.getBlob(repository, descriptor, signal);
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of stream) chunks.push(chunk as Buffer);
    } catch (error) {
      throw this.transport.transportError(error, this.sendOptions('GET', `/v2/${repository}/blobs/${descriptor.digest}`, repository, signal));
    }
    return Buffer.concat(chunks);
  }

  /** Lists a repository's tags, following `Link` headers across pages. */
  async listTags(repository: string, signal?: AbortSignal): Promise<string[]> {
    const reference = this.reference(repository, undefined);
    const tags: string[] = [];
    const seen = new Set<string>();
    let path: string | undefined = `/v2/${repository}/tags/list?n=${TAGS_PAGE_SIZE}`;

    while (path !== undefined) {
      if (seen.has(path) || seen.size >= MAX_TAG_PAGES) {
        throw new RegistryError('registry.bad_response', `registry ${this.registry} sent a looping or endless tag list for ${repository}`, {
          registry: this.registry,
          repository,
          hint: 'Report the registry\'s pagination to its operator.',
        });
      }
      seen.add(path);

      const response = await this.send({ method: 'GET', path, repository, accept: 'application/json', signal });
      await this.checkStatus(response, reference);
      const page = await this.readJson(response, `tag list of ${reference.name}`, repository);
      tags.push(...parseTagPage(page, reference.name));
      path = this.nextPagePath(headerValue(response.headers, 'link'));
    }
    return tags;
  }

  /** Closes the connections of the client's own dispatcher. Later requests fail. */
  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  /** Validates the repository and tag or digest, and returns them as a reference for messages. */
  private reference(repository: string, tagOrDigest: string | undefined): ImageReference {
    if (tagOrDigest === undefined) return makeReference(this.registry, repository);
    if (isDigest(tagOrDigest)) return makeReference(this.registry, repository, undefined, tagOrDigest as Digest);
    return makeReference(this.registry, repository, tagOrDigest);
  }

  private nextPagePath(link: string | undefined): string | undefined {
    const target = link === undefined ? undefined : /<([^>]+)>\s*;\s*rel="?next"?/i.exec(link)?.[1];
    if (target === undefined) return undefined;

    const url = new URL(target, this.baseUrl);
    if (url.origin !== this.baseUrl.origin) {
      throw new RegistryError('registry.bad_response', `registry ${this.registry} sent a tag-list Link to another host: ${truncate(url.origin)}`, {
        registry: this.registry,
        hint: 'Report the registry\'s pagination to its operator.',
      });
    }
    return url.pathname + url.search;
  }

  /**
   * Sends a request with the registry's authorization. A 401 despite it means that the token
   * expired or needs another scope, so the client takes a fresh token from the new challenge and
   * retries once. The status check reports a second 401.
   */
  private async send(request: AuthorizedRequest): Promise<HttpResponse> {
    const authorization = await this.authorization(request.repository, request.signal, false);
    const response = await this.sendWith(request, authorization);
    if (response.status !== 401) return response;

    const header = headerValue(response.headers, 'www-authenticate');
    const challenge = header === undefined ? undefined : pickChallenge(parseChallenges(header));
    if (challenge === undefined) return response;

    await response.body.dump().catch(() => undefined);
    this.challenge = Promise.resolve(challenge);
    const fresh = await this.authorization(request.repository, request.signal, true);
    return this.sendWith(request, fresh);
  }

  private sendWith(request: AuthorizedRequest, authorization: string | undefined): Promise<HttpResponse> {
    const options = this.sendOptions(request.method, request.path, request.repository, request.signal);
    if (request.accept !== undefined) options.headers['accept'] = request.accept;
    if (authorization !== undefined) options.headers['authorization'] = authorization;
    if (request.stream) delete options.timeoutMs;
    return this.transport.send(options);
  }

  private sendOptions(method: 'GET' | 'HEAD', path: string, repository: string | undefined, signal: AbortSignal | undefined): SendOptions {
    const signals = [this.options.signal, signal].filter((candidate): candidate is AbortSignal => candidate !== undefined);
    return {
      method,
      url: new URL(path, this.baseUrl),
      headers: { 'user-agent': this.options.userAgent ?? 'bosun' },
      repository,
      signal: signals.length > 1 ? AbortSignal.any(signals) : signals[0],
      timeoutMs: this.options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    };
  }

  /** Returns the Authorization header value for `repository`, or undefined for anonymous access. */
  private async authorization(repository: string | undefined, signal: AbortSignal | undefined, refresh: boolean): Promise<string | undefined> {
    const challenge = await this.ping(signal);
    if (challenge === null) return undefined;

    const { credentials } = await this.lookupCredentials();
    if (challenge.scheme === 'basic') return credentials ? basicAuthorization(credentials) : undefined;

    // A bearer token without a repository scope still opens /v2/ itself and the catalog.
    const scope = repository === undefined ? '' : `repository:${repository}:pull`;
    const key = TokenCache.key(this.registry, scope, credentials);
    if (refresh) this.tokens.delete(key);
    const cached = this.tokens.get(key);
    if (cached !== undefined) return `Bearer ${cached}`;

    const grant = await this.fetchToken(challenge, scope, repository, signal);
    this.tokens.set(key, grant.token, grant.expiresIn);
    return `Bearer ${grant.token}`;
  }

  /** Pings `/v2/` once per client and returns the auth challenge, or null when none is needed. */
  private ping(signal: AbortSignal | undefined): Promise<Challenge | null> {
    this.challenge ??= this.pingOnce(signal).catch((error: unknown) => {
      this.challenge = undefined;
      throw error;
    });
    return this.challenge;
  }

  private async pingOnce(signal: AbortSignal | undefined): Promise<Challenge | null> {
    const response = await this.transport.send(this.sendOptions('GET', '/v2/', undefined, signal));
    await response.body.dump().catch(() => undefined);
    if (response.status >= 200 && response.status < 300) return null;

    const header = headerValue(response.headers, 'www-authenticate');
    const challenge = header === undefined ? undefined : pickChallenge(parseChallenges(header));
    if (response.status === 401 && challenge !== undefined) return challenge;
    if (response.status === 401) {
      throw new RegistryError('registry.auth_unsupported', `registry ${this.registry} requires authentication with a scheme Bosun does not support: ${truncate(header ?? '(no WWW-Authenticate header)')}`, {
        registry: this.registry,
        status: 401,
        hint: 'Bosun supports the Basic and Bearer (token) schemes of the distribution spec.',
      });
    }
    throw statusError(response.status, { registry: this.registry, subject: `API version check (GET /v2/)`, hasCredentials: false });
  }

  private async fetchToken(challenge: Challenge, scope: string, repository: string | undefined, signal: AbortSignal | undefined) {
    const realm = this.realmUrl(challenge);
    if (challenge.params['service'] !== undefined) realm.searchParams.set('service', challenge.params['service']);
    if (scope !== '') realm.searchParams.set('scope', scope);

    const { credentials } = await this.lookupCredentials();
    const options: SendOptions = { ...this.sendOptions('GET', '/', repository, signal), url: realm };
    if (credentials) options.headers['authorization'] = basicAuthorization(credentials);

    const response = await this.transport.send(options);
    if (response.status !== 200) {
      await response.body.dump().catch(() => undefined);
      throw statusError(response.status, {
        registry: this.registry,
        repository,
        subject: `token request for ${scope || 'registry access'}`,
        hasCredentials: credentials !== undefined,
      });
    }
    const json = await this.readJson(response, `token response of ${this.registry}`, repository);
    log.debug({ registry: this.registry, scope, anonymous: credentials === undefined }, 'obtained registry token');
    return parseTokenResponse(json, this.registry, realm);
  }

  /** Validates a challenge's realm: an absolute URL, and https unless its host may use plain http. */
  private realmUrl(challenge: Challenge): URL {
    const realm = challenge.params['realm'];
    let url: URL | undefined;
    try {
      url = realm === undefined ? undefined : new URL(realm);
    } catch {
      url = undefined;
    }
    const plainAllowed = url !== undefined && allowsPlainHttp(url, this.options.insecureRegistries);
    if (url === undefined || !(url.protocol === 'https:' || (url.protocol === 'http:' && plainAllowed))) {
      throw new RegistryError('registry.auth_failed', `registry ${this.registry} sent an unusable token realm "${truncate(realm ?? '')}"`, {
        registry: this.registry,
        hint: 'The realm must be an https URL, or http on a loopback or insecure-listed host; report it to the registry operator.',
      });
    }
    return url;
  }

  private lookupCredentials(): Promise<CredentialLookup> {
    this.credentials ??= resolveCredentials(this.registry, this.options).then((lookup) => {
      this.warnings.push(...lookup.warnings);
      log.debug({ registry: this.registry, source: lookup.source ?? 'none' }, 'registry credentials');
      return lookup;
    });
    return this.credentials;
  }

  private async checkStatus(response: HttpResponse, reference: ImageReference): Promise<void> {
    if (response.status >= 200 && response.status < 300) return;

    const detail = await readErrorDetail(response);
    const { credentials } = await this.lookupCredentials();
    throw statusError(response.status, {
      registry: this.registry,
      repository: reference.repository,
      subject: reference.toString(),
      detail,
      hasCredentials: credentials !== undefined,
    });
  }

  private async readBody(response: HttpResponse, maxBytes: number, subject: string, repository: string | undefined): Promise<Buffer> {
    const declared = Number(headerValue(response.headers, 'content-length'));
    if (Number.isSafeInteger(declared) && declared > maxBytes) {
      discardBody(response.body);
      throw new ImageFormatError(`${subject} is ${declared} bytes, more than the limit of ${maxBytes}`);
    }

    const chunks: Buffer[] = [];
    let total = 0;
    try {
      for await (const chunk of response.body) {
        total += (chunk as Buffer).length;
        if (total > maxBytes) {
          discardBody(response.body);
          throw new ImageFormatError(`${subject} is more than the limit of ${maxBytes} bytes`);
        }
        chunks.push(chunk as Buffer);
      }
    } catch (error) {
      throw this.transport.transportError(error, this.sendOptions('GET', response.url.pathname, repository, undefined));
    }
    return Buffer.concat(chunks);
  }

  private async readJson(response: HttpResponse, subject: string, repository: string | undefined): Promise<unknown> {
    const body = await this.readBody(response, MAX_JSON_RESPONSE_BYTES, subject, repository);
    try {
      return JSON.parse(body.toString('utf8'));
    } catch (error) {
      throw new RegistryError('registry.bad_response', `${subject} is not valid JSON`, {
        registry: this.registry,
        repository,
        hint: 'The registry answered with something other than the distribution API; check the registry address.',
        cause: error,
      });
    }
  }
}

/** Picks the first challenge with a supported scheme. */
function pickChallenge(challenges: Challenge[]): Challenge | undefined {
  return challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic');
}

/**
 * Computes the digest of a manifest body and checks it against the digest it was pulled by and
 * the `Docker-Content-Digest` header. Each is checked with its own algorithm.
 */
function verifyManifestDigest(body: Buffer, pulledBy: Digest | undefined, header: string | undefined, subject: string): Digest {
  const computed = digestOf(body, 'sha256');
  for (const [expected, source] of [
    [pulledBy, 'the digest it was pulled by'],
    [header, 'the Docker-Content-Digest header'],
  ] as const) {
    if (expected === undefined || !isDigest(expected)) continue;
    const actual = digestOf(body, expected.slice(0, expected.indexOf(':')));
    if (actual !== expected) {
      throw new ImageFormatError(`${subject} does not match ${source}: expected ${expected}, got ${actual}`, {
        hint: 'The registry or a proxy altered the manifest; do not trust this image until the registry is fixed.',
      });
    }
  }
  return pulledBy ?? computed;
}

function digestOf(data: Buffer, algorithm: string): Digest {
  return `${algorithm}:${createHash(algorithm).update(data).digest('hex')}` as Digest;
}

/** Checks a blob stream's size and digest against its descriptor as the bytes pass. */
class BlobVerifier extends Transform {
  private readonly hash: Hash;
  private bytes = 0;

  constructor(
    private readonly descriptor: Descriptor,
    private readonly subject: string,
  ) {
    super();
    this.hash = createHash(descriptor.digest.slice(0, descriptor.digest.indexOf(':')));
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.descriptor.size) {
      callback(new ImageFormatError(`${this.subject} is larger than the ${this.descriptor.size} bytes its descriptor gives`));
      return;
    }
    this.hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.bytes !== this.descriptor.size) {
      callback(new ImageFormatError(`${this.subject} ended after ${this.bytes} bytes; its descriptor gives ${this.descriptor.size}`));
      return;
    }
    const actual = `${this.descriptor.digest.slice(0, this.descriptor.digest.indexOf(':'))}:${this.hash.digest('hex')}`;
    if (actual !== this.descriptor.digest) {
      callback(new ImageFormatError(`${this.subject} does not match its digest: got ${actual}`, {
        hint: 'The registry or its storage returned altered content; do not trust this image until the registry is fixed.',
      }));
      return;
    }
    callback();
  }
}

/** Reads the first entry of a distribution-spec error body (`{"errors":[{"code","message"}]}`), if any. */
async function readErrorDetail(response: HttpResponse): Promise<string | undefined> {
  let text = '';
  try {
    for await (const chunk of response.body) {
      text += (chunk as Buffer).toString('utf8');
      if (text.length > 64 * 1024) break;
    }
  } catch {
    return undefined;
  } finally {
    discardBody(response.body);
  }

  try {
    const first = (JSON.parse(text) as { errors?: Array<{ code?: unknown; message?: unknown }> }).errors?.[0];
    if (first === undefined) return undefined;
    return truncate(`${String(first.code ?? '')}: ${String(first.message ?? '')}`, 200);
  } catch {
    return undefined;
  }
}

function parseTagPage(page: unknown, name: string): string[] {
  const tags = (page as { tags?: unknown } | null)?.tags;
  if (tags === null || tags === undefined) return [];
  if (!Array.isArray(tags) || !tags.every((tag) => typeof tag === 'string')) {
    throw new ImageFormatError(`tag list of ${name} is malformed: "tags" is not an array of strings`);
  }
  return tags;
}
