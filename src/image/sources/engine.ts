import { readFileSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Agent, request, type Dispatcher } from 'undici';
import { z } from 'zod';
import { isDigest, truncate, type Digest } from '../../common/digest.js';
import { BosunError, EngineError, InputError, describeError } from '../../common/errors.js';
import { logger } from '../../common/log.js';
import { parseReference } from '../reference.js';
import type { OpenedImage } from '../types.js';
import { openDockerArchive } from './docker-archive.js';

const log = logger('image.engine');

/** Engine to export from: Docker, or Podman through its Docker-compatible API. */
export type EngineKind = 'docker' | 'podman';

/** Paths of the PEM files for a `tcp://` engine that requires TLS client certificates. */
export interface EngineSourceTls {
  /** CA certificate that signed the engine's certificate. */
  ca: string;
  /** Client certificate the engine checks. */
  cert: string;
  /** Private key of the client certificate. */
  key: string;
}

export interface EngineSourceOptions {
  /** Engine address: `unix:///path.sock`, `tcp://127.0.0.1:2375` or a bare socket path. Default from the environment. */
  host?: string;
  /** TLS files for a `tcp://` host. With them the export goes over HTTPS with this client certificate. */
  tls?: EngineSourceTls;
  signal?: AbortSignal;
  /** Milliseconds to wait between body chunks of the export. Default 5 minutes. */
  timeoutMs?: number;
  /** Milliseconds to wait for response headers; the engine sends them before it builds the archive. Default 30 s. */
  headersTimeoutMs?: number;
  /** Largest export accepted, in bytes. Default 64 GiB. */
  maxArchiveBytes?: number;
}

const DEFAULT_TIMEOUT_MS = 5 * 60 * 1000;
const DEFAULT_HEADERS_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_ARCHIVE_BYTES = 64 * 1024 * 1024 * 1024;
const MAX_INSPECT_BYTES = 4 * 1024 * 1024;

/** An image name or ID as the engine API takes it in a path: no spaces, `?`, `#` or `%`. */
const IMAGE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._\-/:@]{0,511}$/;

const inspectSchema = z.looseObject({
  Id: z.string(),
  RepoTags: z.array(z.string()).nullable().optional(),
  RepoDigests: z.array(z.string()).nullable().optional(),
});

/** Address of an engine: a unix socket or a TCP origin. */
interface Endpoint {
  /** For messages: `unix:///var/run/docker.sock`. */
  display: string;
  socketPath?: string;
  origin: string;
  tls?: EngineSourceTls;
}

/**
 * Opens an image held by a Docker or Podman engine (`docker-daemon:NAME`, `podman:NAME`).
 *
 * It inspects the image, then exports it with `GET /images/NAME/get` and spools the export to a
 * private temporary file (mode 0600), which `close()` deletes. Spooling is needed because a
 * `docker save` tar is read by seeking: `manifest.json`, which maps members to layers, comes
 * last in the stream.
 *
 * @throws EngineError when the engine is unreachable or fails; `engine.image_not_found` on 404.
 */
export async function openEngineImage(kind: EngineKind, name: string, target: string, options: EngineSourceOptions = {}): Promise<OpenedImage> {
  if (!IMAGE_NAME_PATTERN.test(name)) {
    throw new InputError(`invalid image name "${truncate(name)}" for ${target}`, { hint: 'write a name such as lab/app:1 or an image ID' });
  }
  const endpoint = resolveEndpoint(kind, options.host, options.tls);
  const agent = agentFor(endpoint);
  const directory = await mkdtemp(path.join(tmpdir(), 'bosun-export-'));
  const cleanup = (): Promise<void> => rm(directory, { recursive: true, force: true });

  try {
    const inspect = await inspectImage(agent, endpoint, name, options);
    const file = path.join(directory, 'image.tar');
    await exportImage(agent, endpoint, name, file, options);
    const image = await openDockerArchive(file, target, { signal: options.signal });
    log.debug({ image: name, endpoint: endpoint.display, layers: image.layers.length }, 'exported image from engine');
    return withEngineFacts(image, name, inspect, cleanup);
  } catch (error) {
    await cleanup();
    throw error;
  } finally {
    await agent.close();
  }
}

function withEngineFacts(image: OpenedImage, name: string, inspect: z.infer<typeof inspectSchema>, cleanup: () => Promise<void>): OpenedImage {
  const repoDigests = inspect.RepoDigests ?? [];
  const digests = new Set(repoDigests.map((entry) => entry.slice(entry.lastIndexOf('@') + 1)).filter(isDigest));
  const manifestDigest = digests.size === 1 ? ([...digests][0] as Digest) : undefined;
  return {
    ...image,
    reference: referenceOf(name) ?? image.reference,
    manifestDigest,
    repoDigests,
    close: async () => {
      await image.close();
      await cleanup();
    },
  };
}

function referenceOf(name: string): string | undefined {
  if (/^(sha256:)?[a-f0-9]{12,64}$/.test(name)) return undefined;
  try {
    return parseReference(name).toString();
  } catch {
    return undefined;
  }
}

/**
 * Resolves the engine address from the option, then the environment, then the default socket.
 * `tls` applies to a `tcp://` address only, which is then reached over HTTPS.
 */
export function resolveEndpoint(kind: EngineKind, host?: string, tls?: EngineSourceTls): Endpoint {
  const env = process.env;
  const configured =
    host ?? (kind === 'docker' ? env['DOCKER_HOST'] : (env['BOSUN_PODMAN_HOST'] ?? env['CONTAINER_HOST']));
  const value = configured === undefined || configured === '' ? defaultSocket(kind) : configured;

  if (value.startsWith('unix://')) return socketEndpoint(value.slice('unix://'.length));
  if (value.startsWith('/')) return socketEndpoint(value);
  if (value.startsWith('tcp://') || value.startsWith('http://')) {
    const url = new URL(value.replace(/^tcp:/, 'http:'));
    if (tls !== undefined && value.startsWith('tcp://')) return { display: value, origin: `https://${url.host}`, tls };
    return { display: value, origin: `http://${url.host}` };
  }
  throw new InputError(`unsupported engine address "${truncate(value)}"`, {
    hint: `set ${kind === 'docker' ? 'DOCKER_HOST' : 'BOSUN_PODMAN_HOST'} to unix:///path/to.sock or tcp://HOST:PORT`,
  });
}

function agentFor(endpoint: Endpoint): Agent {
  if (endpoint.socketPath !== undefined) return new Agent({ connect: { socketPath: endpoint.socketPath } });
  if (endpoint.tls === undefined) return new Agent();

  const host = new URL(endpoint.origin).hostname.replace(/^\[(.*)\]$/, '$1');
  const connect: Record<string, unknown> = {
    ca: readPem(endpoint.tls.ca, 'CA certificate', endpoint),
    cert: readPem(endpoint.tls.cert, 'client certificate', endpoint),
    key: readPem(endpoint.tls.key, 'client key', endpoint),
    rejectUnauthorized: true,
  };
  // SNI takes host names only (RFC 6066), and for an IP address the certificate check uses the IP anyway.
  if (isIP(host) === 0) connect['servername'] = host;
  return new Agent({ connect });
}

function readPem(file: string, what: string, endpoint: Endpoint): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new InputError(`cannot read the ${what} ${file} for engine ${endpoint.display}: ${describeError(error)}`, {
      hint: 'point the endpoint tls settings at readable ca.pem, cert.pem and key.pem files',
      cause: error,
    });
  }
}

function defaultSocket(kind: EngineKind): string {
  return kind === 'docker' ? '/var/run/docker.sock' : '/run/podman/podman.sock';
}

function socketEndpoint(socketPath: string): Endpoint {
  // The host name is ignored on a unix socket; `localhost` keeps the Host header valid.
  return { display: `unix://${socketPath}`, socketPath, origin: 'http://localhost' };
}

async function inspectImage(agent: Dispatcher, endpoint: Endpoint, name: string, options: EngineSourceOptions): Promise<z.infer<typeof inspectSchema>> {
  const response = await send(agent, endpoint, `/images/${name}/json`, name, options);
  const body = await readLimited(response.body, MAX_INSPECT_BYTES, endpoint);
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new EngineError('engine.invalid_response', `${endpoint.display} returned invalid JSON for image ${name}`, { endpoint: endpoint.display, cause: error });
  }
  const result = inspectSchema.safeParse(json);
  if (!result.success) {
    throw new EngineError('engine.invalid_response', `${endpoint.display} returned an image inspect without Id for ${name}`, { endpoint: endpoint.display });
  }
  return result.data;
}

async function exportImage(agent: Dispatcher, endpoint: Endpoint, name: string, file: string, options: EngineSourceOptions): Promise<void> {
  const response = await send(agent, endpoint, `/images/${name}/get`, name, options);
  const maxBytes = options.maxArchiveBytes ?? DEFAULT_MAX_ARCHIVE_BYTES;
  const output = await open(file, 'wx', 0o600);
  let total = 0;
  try {
    // A plain read-and-write loop: piping undici's body into an fs.WriteStream with the default
    // 16 KiB high-water mark pauses and resumes the socket so often that exports crawl.
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > maxBytes) {
        throw new EngineError('engine.export_too_large', `export of ${name} from ${endpoint.display} exceeds ${maxBytes} bytes`, {
          endpoint: endpoint.display,
          hint: 'raise maxArchiveBytes if the image is really that large',
        });
      }
      await output.write(chunk);
    }
  } catch (error) {
    response.body.destroy();
    if (error instanceof BosunError || (error instanceof Error && error.name === 'AbortError')) throw error;
    throw new EngineError('engine.export_failed', `export of ${name} from ${endpoint.display} failed: ${describeError(error)}`, {
      endpoint: endpoint.display,
      hint: 'check the engine log; retry when the engine is healthy',
      cause: error,
    });
  } finally {
    await output.close();
  }
}

async function send(agent: Dispatcher, endpoint: Endpoint, requestPath: string, name: string, options: EngineSourceOptions): Promise<Dispatcher.ResponseData> {
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let response: Dispatcher.ResponseData;
  try {
    response = await request(`${endpoint.origin}${requestPath}`, {
      dispatcher: agent,
      method: 'GET',
      signal: options.signal,
      headersTimeout: options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS,
      bodyTimeout: timeout,
    });
  } catch (error) {
    if (error instanceof Error && error.name === 'AbortError') throw error;
    if ((error as { code?: unknown }).code === 'UND_ERR_HEADERS_TIMEOUT') throw noAnswer(endpoint, name, options, error);
    throw unreachable(endpoint, error);
  }
  if (response.statusCode === 200) return response;

  const detail = await readLimited(response.body, 64 * 1024, endpoint).then(engineMessage, () => '');
  if (response.statusCode === 404) {
    throw new EngineError('engine.image_not_found', `image ${name} not found on ${endpoint.display}`, {
      endpoint: endpoint.display,
      status: 404,
      hint: 'list local images with `docker images` (or `podman images`) and check the name',
    });
  }
  throw new EngineError('engine.request_failed', `${endpoint.display} returned status ${response.statusCode} for image ${name}${detail ? `: ${detail}` : ''}`, {
    endpoint: endpoint.display,
    status: response.statusCode,
    hint: 'check the engine log',
  });
}

function noAnswer(endpoint: Endpoint, name: string, options: EngineSourceOptions, error: unknown): EngineError {
  const seconds = (options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS) / 1000;
  return new EngineError('engine.timeout', `the engine at ${endpoint.display} did not respond to the export of ${name} within ${seconds} s`, {
    endpoint: endpoint.display,
    hint: 'the engine accepted the connection but did not respond: check that the address is a Docker or Podman API and that the engine is not hung (`docker info`)',
    cause: error,
  });
}

function unreachable(endpoint: Endpoint, error: unknown): EngineError {
  const variable = endpoint.socketPath === undefined ? 'the engine address' : 'DOCKER_HOST (or BOSUN_PODMAN_HOST for Podman)';
  return new EngineError('engine.unreachable', `cannot connect to the engine at ${endpoint.display}: ${describeError(error)}`, {
    endpoint: endpoint.display,
    hint: `start the engine, or set ${variable} to where it listens, for example unix:///run/user/1000/docker.sock`,
    cause: error,
  });
}

/** Returns the `message` field of an engine error body, shortened. */
function engineMessage(body: Buffer): string {
  try {
    const message = (JSON.parse(body.toString('utf8')) as { message?: unknown }).message;
    return typeof message === 'string' ? truncate(message, 200) : '';
  } catch {
    return truncate(body.toString('utf8').trim(), 200);
  }
}

async function readLimited(body: Dispatcher.ResponseData['body'], maxBytes: number, endpoint: Endpoint): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += (chunk as Buffer).length;
    if (total > maxBytes) {
      body.destroy();
      throw new EngineError('engine.invalid_response', `${endpoint.display} sent a response over ${maxBytes} bytes`, { endpoint: endpoint.display });
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
