import { isDigest, truncate, type Digest } from '../../common/digest.js';
import { InputError } from '../../common/errors.js';
import { defaultEndpoint, EngineClient, parseEndpoint } from '../../engine/index.js';
import { parseReference } from '../../image/reference.js';
import type { EngineKind } from '../../image/sources/index.js';
import type { ImageFacts } from './facts.js';

/** Engine address, cancellation and timeout of one request. */
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

const IMAGE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._\-/:@]{0,511}$/;

/**
 * Inspects an image on an engine (Docker, or Podman through its compatible API). The manifest
 * digest is set only when every RepoDigest names the same digest, because a local image may
 * have been pulled from several repositories.
 *
 * @throws EngineError when the engine is unreachable, fails, or returns a malformed body.
 */
export async function inspectEngineImage(kind: EngineKind, name: string, options: EngineRequestOptions = {}): Promise<ImageFacts> {
  if (!IMAGE_NAME_PATTERN.test(name)) throw new InputError(`invalid image name "${truncate(name)}"`, { hint: 'write a name such as lab/app:1 or an image ID' });
  const image = await withClient(kind, options, (client) => client.inspectImage(name, { signal: options.signal }));

  const digests = new Set(image.repoDigests.map((entry) => entry.slice(entry.lastIndexOf('@') + 1)).filter(isDigest));
  const references = new Set<string>([...image.repoTags, ...image.repoDigests].flatMap((text) => normalised(text)));
  for (const text of normalised(name)) references.add(text);
  return {
    target: name,
    references: [...references].sort(),
    configDigest: image.id,
    manifestDigest: digests.size === 1 ? ([...digests][0] as Digest) : undefined,
    diffIds: image.diffIds,
    annotations: image.labels,
  };
}

/** Lists every container on the engine, running or not. */
export async function listEngineContainers(kind: EngineKind, options: EngineRequestOptions = {}): Promise<EngineContainer[]> {
  const containers = await withClient(kind, options, (client) => client.listContainers({ all: true, signal: options.signal }));
  return containers.map((entry) => ({
    id: entry.id,
    name: entry.names[0] ?? entry.id.slice(0, 12),
    image: entry.image,
    imageId: entry.imageId,
    state: entry.state,
  }));
}

async function withClient<T>(kind: EngineKind, options: EngineRequestOptions, work: (client: EngineClient) => Promise<T>): Promise<T> {
  const endpoint = options.host ? parseEndpoint(options.host, { kind }) : defaultEndpoint(kind);
  const client = new EngineClient(endpoint, { timeoutMs: options.timeoutMs ?? 30_000 });
  try {
    return await work(client);
  } finally {
    await client.close();
  }
}

/** Normalises a reference, and drops an image ID, which names no repository. */
function normalised(text: string): string[] {
  if (/^(sha256:)?[a-f0-9]{12,64}$/.test(text)) return [];
  try {
    return [parseReference(text).toString()];
  } catch {
    return [];
  }
}
