/**
 * A small in-process registry on 127.0.0.1 for unit tests of the registry client. It serves
 * manifests and blobs from maps, speaks no auth, Basic or Bearer (with its own token endpoint),
 * and lets a test intercept any request to inject faults. Every request is recorded.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

export type AuthMode = { kind: 'none' } | { kind: 'basic'; username: string; password: string } | { kind: 'bearer'; username?: string; password?: string; tokenField?: 'token' | 'access_token'; expiresIn?: number };

/** Returns true when it sent the response itself. */
export type Interceptor = (request: IncomingMessage, response: ServerResponse) => boolean;

export function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export class FakeRegistry {
  readonly requests: RecordedRequest[] = [];
  readonly manifests = new Map<string, { body: Buffer; mediaType: string | undefined; digestHeader?: string }>();
  readonly blobs = new Map<string, Buffer>();
  auth: AuthMode = { kind: 'none' };
  interceptor: Interceptor | undefined;
  /** When set, blob GETs respond with a 307 redirect to this base URL plus the blob path. */
  blobRedirect: string | undefined;
  /** Extra headers on tag-list pages: page index to Link header value. */
  tagPages: string[][] = [];
  tokensIssued = 0;

  private readonly server: Server;
  private address = '';

  constructor() {
    this.server = createServer((request, response) => this.handle(request, response));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.address = `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** `127.0.0.1:PORT`, the registry name to use in references. */
  get host(): string {
    return this.address;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Stores a manifest under its digest and, when given, a tag. Returns the digest. */
  putManifest(repository: string, manifest: object | string, options: { tag?: string; mediaType?: string | undefined; digestHeader?: string } = {}): string {
    const body = Buffer.from(typeof manifest === 'string' ? manifest : JSON.stringify(manifest));
    const digest = sha256(body);
    const mediaType = 'mediaType' in options ? options.mediaType : (manifest as { mediaType?: string }).mediaType;
    const entry = { body, mediaType, ...(options.digestHeader ? { digestHeader: options.digestHeader } : {}) };
    this.manifests.set(`${repository}@${digest}`, entry);
    if (options.tag) this.manifests.set(`${repository}:${options.tag}`, entry);
    return digest;
  }

  /** Stores a blob and returns its descriptor fields. */
  putBlob(data: Buffer | string): { digest: string; size: number } {
    const buffer = Buffer.from(data);
    const digest = sha256(buffer);
    this.blobs.set(digest, buffer);
    return { digest, size: buffer.length };
  }

  requestsTo(pathPrefix: string): RecordedRequest[] {
    return this.requests.filter((r) => r.url.startsWith(pathPrefix));
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    this.requests.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers });
    if (this.interceptor?.(request, response)) return;

    const url = new URL(request.url ?? '/', `http://${this.address}`);
    if (url.pathname === '/token') return this.token(request, url, response);
    if (!this.authorized(request)) return this.challenge(response, url);
    if (url.pathname === '/v2/') return json(response, 200, {});

    const manifest = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(url.pathname);
    if (manifest) return this.manifest(request, response, manifest[1]!, decodeURIComponent(manifest[2]!));
    const blob = /^\/v2\/(.+)\/blobs\/([^/]+)$/.exec(url.pathname);
    if (blob) return this.blob(response, url, blob[2]!);
    const tags = /^\/v2\/(.+)\/tags\/list$/.exec(url.pathname);
    if (tags) return this.tags(response, url, tags[1]!);
    return json(response, 404, { errors: [{ code: 'NOT_FOUND', message: 'no route' }] });
  }

  private authorized(request: IncomingMessage): boolean {
    const header = request.headers.authorization;
    if (this.auth.kind === 'none') return true;
    if (this.auth.kind === 'basic') return header === basic(this.auth.username, this.auth.password);
    return header !== undefined && /^Bearer tok-\d+$/.test(header);
  }

  private challenge(response: ServerResponse, url: URL): void {
    const header =
      this.auth.kind === 'basic'
        ? 'Basic realm="fake"'
        : `Bearer realm="http://${this.address}/token",service="fake-registry"${url.pathname === '/v2/' ? '' : ',scope="repository:x:pull"'}`;
    response.setHeader('www-authenticate', header);
    json(response, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] });
  }

  private token(request: IncomingMessage, url: URL, response: ServerResponse): void {
    if (this.auth.kind !== 'bearer') return json(response, 404, {});
    const { username, password } = this.auth;
    const header = request.headers.authorization;
    if (username !== undefined && header !== basic(username, password ?? '')) {
      return json(response, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'bad credentials' }] });
    }
    if (!url.searchParams.get('scope')?.startsWith('repository:') && url.searchParams.get('scope') !== null) {
      return json(response, 400, {});
    }
    this.tokensIssued++;
    const field = this.auth.tokenField ?? 'token';
    return json(response, 200, { [field]: `tok-${this.tokensIssued}`, expires_in: this.auth.expiresIn ?? 300 });
  }

  private manifest(request: IncomingMessage, response: ServerResponse, repository: string, reference: string): void {
    const key = reference.includes(':') ? `${repository}@${reference}` : `${repository}:${reference}`;
    const entry = this.manifests.get(key);
    if (entry === undefined) return json(response, 404, { errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] });

    if (entry.mediaType !== undefined) response.setHeader('content-type', entry.mediaType);
    response.setHeader('docker-content-digest', entry.digestHeader ?? sha256(entry.body));
    response.setHeader('content-length', entry.body.length);
    response.end(request.method === 'HEAD' ? undefined : entry.body);
  }

  private blob(response: ServerResponse, url: URL, digest: string): void {
    const data = this.blobs.get(digest);
    if (data === undefined) return json(response, 404, { errors: [{ code: 'BLOB_UNKNOWN', message: 'blob unknown' }] });
    if (this.blobRedirect !== undefined) {
      response.writeHead(307, { location: `${this.blobRedirect}${url.pathname}?signature=abc` });
      response.end();
      return;
    }
    response.setHeader('content-length', data.length);
    response.end(data);
  }

  private tags(response: ServerResponse, url: URL, repository: string): void {
    const page = Number(url.searchParams.get('page') ?? '0');
    const tags = this.tagPages[page] ?? [];
    if (page + 1 < this.tagPages.length) {
      response.setHeader('link', `</v2/${repository}/tags/list?n=2&page=${page + 1}>; rel="next"`);
    }
    json(response, 200, { name: repository, tags });
  }
}

/** A plain server standing in for blob storage behind a redirect. */
export class FakeStorage {
  readonly requests: RecordedRequest[] = [];
  private readonly server: Server;
  private address = '';

  constructor(private readonly blobs: Map<string, Buffer>) {
    this.server = createServer((request, response) => {
      this.requests.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers });
      const digest = /\/blobs\/([^/?]+)/.exec(request.url ?? '')?.[1] ?? '';
      const data = this.blobs.get(digest);
      if (data === undefined) return json(response, 404, {});
      response.setHeader('content-length', data.length);
      response.end(data);
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.address = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  get url(): string {
    return this.address;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

function json(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

/** Builds a one-platform image (config plus layers) in the registry and returns its parts. */
export function addImage(
  registry: FakeRegistry,
  repository: string,
  options: { tag?: string; architecture?: string; variant?: string; layers?: string[]; oci?: boolean; omitMediaType?: boolean; extraDiffIds?: number } = {},
) {
  const layerData = (options.layers ?? ['layer one', 'layer two']).map((text) => Buffer.from(text));
  const layers = layerData.map((data) => ({ ...registry.putBlob(data), data }));
  const diffIds = layerData.map((data) => sha256(Buffer.concat([data, Buffer.from(' uncompressed')])));
  for (let i = 0; i < (options.extraDiffIds ?? 0); i++) diffIds.push(sha256(`extra ${i}`));

  const config = {
    architecture: options.architecture ?? 'amd64',
    os: 'linux',
    ...(options.variant ? { variant: options.variant } : {}),
    config: { Env: ['PATH=/usr/bin'], Cmd: ['sh'], Labels: null },
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: [{ created_by: 'test' }],
  };
  const configBlob = registry.putBlob(JSON.stringify(config));
  const oci = options.oci ?? false;
  const manifest: Record<string, unknown> = {
    schemaVersion: 2,
    mediaType: oci ? 'application/vnd.oci.image.manifest.v1+json' : 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: oci ? 'application/vnd.oci.image.config.v1+json' : 'application/vnd.docker.container.image.v1+json', ...configBlob },
    layers: layers.map((layer) => ({
      mediaType: oci ? 'application/vnd.oci.image.layer.v1.tar+gzip' : 'application/vnd.docker.image.rootfs.diff.tar.gzip',
      digest: layer.digest,
      size: layer.size,
    })),
    annotations: { 'org.opencontainers.image.base.name': 'test-base' },
  };
  if (options.omitMediaType) delete manifest['mediaType'];
  const mediaType = oci ? 'application/vnd.oci.image.manifest.v1+json' : 'application/vnd.docker.distribution.manifest.v2+json';
  const digest = registry.putManifest(repository, manifest, { ...(options.tag ? { tag: options.tag } : {}), mediaType });
  return { digest, manifest, config, configDigest: configBlob.digest, diffIds, layers };
}
