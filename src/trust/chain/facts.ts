import type { Digest, DiffId } from '../../common/digest.js';
import { openTarget, parseTarget, type OpenedImage, type OpenTargetOptions } from '../../image/index.js';
import type { KnownImage } from '../store.js';
import { inspectEngineImage } from './engine.js';

/** What chain resolution reads of an image: its names, digests, layers and annotations. */
export interface ImageFacts {
  /** The target as the user wrote it, or the reference a base was found under. */
  target: string;
  /** References the image is known under: `repo:tag` and `repo@digest`. */
  references: string[];
  configDigest: Digest;
  manifestDigest: Digest | undefined;
  diffIds: DiffId[];
  /** Config labels overlaid with manifest annotations (the manifest wins, as it is signed with the image). */
  annotations: Record<string, string>;
  /**
   * Whether the manifest digest and the `repo@digest` references were read from content (a
   * registry, an OCI layout, a trusted base resolved in its registry). Engine RepoDigests are
   * not: they are metadata that a local tag or load can set. Unset means not verified.
   */
  digestsVerified?: boolean;
}

/** Reads the facts of an opened image. */
export function factsOfOpened(image: OpenedImage): ImageFacts {
  const references = new Set<string>(image.repoDigests);
  if (image.reference !== undefined) references.add(image.reference);
  return {
    target: image.target,
    references: [...references].sort(),
    configDigest: image.configDigest,
    manifestDigest: image.manifestDigest,
    diffIds: [...image.config.rootfs.diff_ids],
    annotations: { ...(image.config.config?.Labels ?? {}), ...image.annotations },
  };
}

/** The facts of a known image. */
export function factsOfKnown(image: KnownImage): ImageFacts {
  return {
    target: image.references[0] ?? image.configDigest,
    references: [...image.references],
    configDigest: image.configDigest,
    manifestDigest: image.manifestDigest,
    diffIds: [...image.diffIds],
    annotations: { ...image.annotations },
    digestsVerified: image.origin === 'trusted-base',
  };
}

/**
 * Reads the facts of any target. Engine images (`docker-daemon:`, `podman:`) are inspected
 * rather than exported, since inspect carries the diffIDs and labels; every other source is
 * opened with `openTarget`, which for a registry reads only the manifest and config.
 */
export async function loadImageFacts(target: string, options: OpenTargetOptions = {}): Promise<ImageFacts> {
  const parsed = parseTarget(target);
  if (parsed.transport === 'docker-daemon' || parsed.transport === 'podman') {
    const host = parsed.transport === 'docker-daemon' ? options.engine?.dockerHost : options.engine?.podmanHost;
    const facts = await inspectEngineImage(parsed.transport === 'docker-daemon' ? 'docker' : 'podman', parsed.name, { host, signal: options.signal });
    return { ...facts, target };
  }
  const image = await openTarget(target, options);
  try {
    // Registry and OCI layout sources read the manifest by its digest, so the digest is content.
    return { ...factsOfOpened(image), digestsVerified: parsed.transport === 'registry' || parsed.transport === 'oci' || parsed.transport === 'oci-archive' };
  } finally {
    await image.close();
  }
}
