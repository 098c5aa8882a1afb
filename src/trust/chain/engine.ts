import { Agent, request, type Dispatcher } from 'undici';
import { z } from 'zod';
import { isDigest, truncate, type Digest, type DiffId } from '../../common/digest.js';
import { EngineError, InputError, describeError } from '../../common/errors.js';
import { parseReference } from '../../image/reference.js';
import { resolveEndpoint, type EngineKind } from '../../image/sources/index.js';
import type { ImageFacts } from './facts.js';

/**
 * A small Docker Engine API adapter for trust: inspect an image, list containers. Podman
 * answers the same paths through its compatibility API.
 *
 * TODO: replace with the engine module's client once src/engine exists.
 */

export interface EngineRequestOptions {
  /** `unix:///path.sock`, `tcp://HOST:PORT` or a socket path; default DOCKER_HOST or the default socket. */
  host?: string | undefined;
  signal?: AbortSignal | undefined;
  /** Milliseconds for each request, body included. Default 30000. */
  timeoutMs?: number;
}

/** A container and the image it runs. */
export interface EngineContainer {
  id: string;
  /** The first name, without the leading `/`. */
  name: string;
  /** The image as the container was created with it: a reference or an ID. */
  image: string;
  /** The image ID: the config digest. */
  imageId: Digest;
  state: string;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
const IMAGE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._\-/:@]{0,511}$/;

const inspectSchema = z.looseObject({
  Id: z.string().refine(isDigest, 'Id is not a digest'),
  RepoTags: z.array(z.string()).nullable().optional(),
  RepoDigests: z.array(z.string()).nullable().optional(),
  Config: z.looseObject({ Labels: z.record(z.string(), z.string()).nullable().optional() }).nullable().optional(),
  RootFS: z.looseObject({ Layers: z.array(z.string().refine(isDigest, 'a layer is not a digest')).nullable().optional() }),
});

const containersSchema = z.array(
  z.looseObject({
    Id: z.string(),
    Names: z.array(z.string()).nullable().optional(),
    Image: z.string(),
    ImageID: z.string(),
    State: z.string().optional(),
  }),
);

/**
 * Inspects an image on an engine. The manifest digest is set only when every RepoDigest names
 * the same digest, because a local image may have been pulled from several repositories.
 *
 * @throws EngineError when the engine is unreachable, fails, or returns a malformed body.
 */
export async function inspectEngineImage(kind: EngineKind, name: string, options: EngineRequestOptions = {}): Promise<ImageFacts> {
  if (!IMAGE_NAME_PATTERN.test(name)) throw new InputError(`invalid image name "${truncate(name)}"`, { hint: 'write a name such as lab/app:1 or an image ID' });
  const body = await getJson(kind, `/images/${name}/json`, options, `image ${name}`);
  const parsed = parse(inspectSchema, body, kind, options, `inspect of image ${name}`);

  const repoDigests = parsed.RepoDigests ?? [];
  const digests = new Set(repoDigests.map((entry) => entry.slice(entry.lastIndexOf('@') + 1)).filter(isDigest));
  const references = new Set<string>([...(parsed.RepoTags ?? []), ...repoDigests].flatMap((text) => normalised(text)));
  for (const text of normalised(name)) references.add(text);
  return {
    target: name,
    references: [...references].sort(),
    configDigest: parsed.Id as Digest,
    manifestDigest: digests.size === 1 ? ([...digests][0] as Digest) : undefined,
    diffIds: (parsed.RootFS.Layers ?? []) as DiffId[],
    annotations: parsed.Config?.Labels ?? {},
  };
}

/** Lists every container on the engine, running or not. */
export async function listEngineContainers(kind: EngineKind, options: EngineRequestOptions = {}): Promise<EngineContainer[]> {
  const body = await getJson(kind, '/containers/json?all=true', options, 'the container list');
  return parse(containersSchema, body, kind, options, 'container list').map((entry) => ({
    id: entry.Id,
    name: (entry.Names?.[0] ?? entry.Id.slice(0, 12)).replace(/^\//, ''),
    image: entry.Image,
    imageId: entry.ImageID as Digest,
    state: entry.State ?? 'unknown',
  }));
}

/** The normalised form of a reference, or nothing for an image ID. */
function normalised(text: string): string[] {
  if (/^(sha256:)?[a-f0-9]{12,64}$/.test(text)) return [];
  try {
    return [parseReference(text).toString()];
  } catch {
    return [];
  }
}

function parse<T>(schema: z.ZodType<T>, body: unknown, kind: EngineKind, options: EngineRequestOptions, what: string): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const display = resolveEndpoint(kind, options.host).display;
  throw new EngineError('engine.invalid_response', `${display} returned a malformed ${what}: ${truncate(result.error.issues[0]?.message ?? 'invalid', 200)}`, { endpoint: display });
}

async function getJson(kind: EngineKind, requestPath: string, options: EngineRequestOptions, what: string): Promise<unknown> {
  const endpoint = resolveEndpoint(kind, options.host);
  const agent = new Agent(endpoint.socketPath === undefined ? {} : { connect: { socketPath: endpoint.socketPath } });
  const timeout = AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const signal = options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout]);
  try {
    let response: Dispatcher.ResponseData;
    try {
      response = await request(`${endpoint.origin}${requestPath}`, { dispatcher: agent, method: 'GET', signal });
    } catch (error) {
      throw new EngineError('engine.unreachable', `cannot connect to the engine at ${endpoint.display}: ${describeError(error)}`, {
        endpoint: endpoint.display,
        hint: 'start the engine, or pass --engine unix:///path/to/docker.sock (default DOCKER_HOST)',
        cause: error,
      });
    }
    const text = await readLimited(response.body, endpoint.display);
    if (response.statusCode === 404) {
      throw new EngineError(what.startsWith('image') ? 'engine.image_not_found' : 'engine.not_found', `${what} not found on ${endpoint.display}`, { endpoint: endpoint.display, status: 404, hint: 'check the name with `docker images`' });
    }
    if (response.statusCode !== 200) {
      throw new EngineError('engine.request_failed', `${endpoint.display} answered ${response.statusCode} for ${what}: ${truncate(text, 200)}`, { endpoint: endpoint.display, status: response.statusCode, hint: 'check the engine log' });
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new EngineError('engine.invalid_response', `${endpoint.display} returned invalid JSON for ${what}`, { endpoint: endpoint.display, cause: error });
    }
  } finally {
    await agent.close();
  }
}

async function readLimited(body: Dispatcher.ResponseData['body'], display: string): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += (chunk as Buffer).length;
    if (total > MAX_RESPONSE_BYTES) {
      body.destroy();
      throw new EngineError('engine.invalid_response', `${display} sent a response over ${MAX_RESPONSE_BYTES} bytes`, { endpoint: display });
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
