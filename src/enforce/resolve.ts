import { isDigest, type Digest } from '../common/digest.js';
import { EngineError } from '../common/errors.js';
import type { EngineClient } from '../engine/index.js';
import { parseReference } from '../image/index.js';
import type { ImageResolver, ResolvedImage } from './types.js';

/**
 * Resolves images on a Docker or Podman engine with image inspect: config digest, layers,
 * labels, and every tag and RepoDigest the image is known under. With `unreachableIsMissing`
 * an engine that cannot be reached counts as one without the image, so that the next
 * resolver (a registry) is tried.
 */
export function engineResolver(client: EngineClient, options: { unreachableIsMissing?: boolean } = {}): ImageResolver {
  return {
    async resolveImage(image, signal) {
      let inspect;
      try {
        inspect = await client.inspectImage(image, { signal });
      } catch (error) {
        if (error instanceof EngineError && error.status === 404) return undefined;
        if (options.unreachableIsMissing && error instanceof EngineError && error.status === undefined) return undefined;
        throw error;
      }
      return resolvedFromInspect(image, inspect);
    },
  };
}

/** Builds a ResolvedImage from the fields of an image inspect. */
export function resolvedFromInspect(
  target: string,
  inspect: { id: Digest; repoTags: string[]; repoDigests: string[]; diffIds: string[]; labels: Record<string, string> },
): ResolvedImage {
  // A local image may have been pulled from several repositories; only one shared digest is certain.
  const digests = new Set(inspect.repoDigests.map((entry) => entry.slice(entry.lastIndexOf('@') + 1)).filter(isDigest));
  const references = new Set<string>();
  for (const text of [...inspect.repoTags, ...inspect.repoDigests, target]) {
    const normalised = normaliseReference(text);
    if (normalised !== undefined) references.add(normalised);
  }
  return {
    target,
    references: [...references].sort(),
    configDigest: inspect.id,
    manifestDigest: digests.size === 1 ? ([...digests][0] as Digest) : undefined,
    diffIds: [...inspect.diffIds],
    annotations: { ...inspect.labels },
  };
}

/** Normalises a reference; returns undefined for an image ID or a malformed name. */
function normaliseReference(text: string): string | undefined {
  if (/^(sha256:)?[a-f0-9]{12,64}$/.test(text)) return undefined;
  try {
    return parseReference(text).toString();
  } catch {
    return undefined;
  }
}
