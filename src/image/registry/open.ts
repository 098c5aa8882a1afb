import type { Digest } from '../../common/digest.js';
import { BosunError, ImageFormatError, type Warning } from '../../common/errors.js';
import { logger } from '../../common/log.js';
import {
  isIndex,
  MAX_CONFIG_BYTES,
  MEDIA_TYPE_DOCKER_CONFIG,
  MEDIA_TYPE_DOCKER_FOREIGN_LAYER,
  MEDIA_TYPE_DOCKER_LAYER,
  MEDIA_TYPE_OCI_CONFIG,
  MEDIA_TYPE_OCI_LAYER,
  MEDIA_TYPE_OCI_LAYER_GZIP,
  MEDIA_TYPE_OCI_LAYER_ZSTD,
  parseImageConfig,
  type ImageManifest,
} from '../manifest.js';
import { formatPlatform, hostPlatform, platformMatches, selectPlatformManifest } from '../platform.js';
import { manifestReference, parseReference, type ImageReference } from '../reference.js';
import type { ImageConfig, LayerRef, OpenedImage, Platform } from '../types.js';
import { RegistryClient, type RegistryOptions } from './client.js';

const log = logger('registry');

/** The image manifest a reference resolves to on one platform. */
export interface ResolvedManifest {
  reference: ImageReference;
  /** Digest of the index (manifest list) the reference named, when it named one. */
  indexDigest: Digest | undefined;
  /** Digest of the platform's image manifest. */
  manifestDigest: Digest;
  manifest: ImageManifest;
  /** The platform the index entry declared, when the reference named an index. */
  platform: Platform | undefined;
}

const CONFIG_MEDIA_TYPES = new Set([MEDIA_TYPE_DOCKER_CONFIG, MEDIA_TYPE_OCI_CONFIG]);

const LAYER_MEDIA_TYPES = new Set([
  MEDIA_TYPE_DOCKER_LAYER,
  MEDIA_TYPE_DOCKER_FOREIGN_LAYER,
  MEDIA_TYPE_OCI_LAYER,
  MEDIA_TYPE_OCI_LAYER_GZIP,
  MEDIA_TYPE_OCI_LAYER_ZSTD,
  // Non-distributable layers are deprecated in image-spec 1.1 but still readable.
  'application/vnd.oci.image.layer.nondistributable.v1.tar',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
]);

/**
 * Opens an image in a registry: resolves the reference (an index to the manifest of
 * `options.platform`, default the host's), fetches and verifies the config, and returns layers
 * that stream their compressed blobs on `open()`. Call `close()` when done.
 *
 * @example const image = await openRegistryImage('127.0.0.1:5000/lab/app:1', {});
 * @throws InputError for an invalid reference, RegistryError for registry failures,
 *   ImageFormatError for content that fails verification, BosunError `image.platform_not_found`.
 */
export async function openRegistryImage(reference: string, options: RegistryOptions = {}): Promise<OpenedImage> {
  const parsed = parseReference(reference);
  const client = new RegistryClient(parsed.registry, options);
  try {
    return await openWithClient(client, reference, parsed, options);
  } catch (error) {
    await client.close();
    throw error;
  }
}

/**
 * Resolves a reference to the image manifest for one platform, with the digests of both the
 * manifest and the index it came from.
 */
export async function resolveManifest(reference: string, options: RegistryOptions = {}): Promise<ResolvedManifest> {
  const parsed = parseReference(reference);
  const client = new RegistryClient(parsed.registry, options);
  try {
    return await resolveWithClient(client, parsed, options);
  } finally {
    await client.close();
  }
}

/**
 * Returns the digest a reference points to now, from a HEAD request: for a multi-platform
 * tag that is the index digest, which changes whenever any platform's image changes.
 */
export async function headDigest(reference: string, options: RegistryOptions = {}): Promise<Digest> {
  const parsed = parseReference(reference);
  const client = new RegistryClient(parsed.registry, options);
  try {
    const head = await client.headManifest(parsed.repository, manifestReference(parsed), options.signal);
    return head.digest;
  } finally {
    await client.close();
  }
}

async function openWithClient(client: RegistryClient, target: string, reference: ImageReference, options: RegistryOptions): Promise<OpenedImage> {
  const resolved = await resolveWithClient(client, reference, options);
  const { manifest } = resolved;
  const configDigest = manifest.config.digest;

  const configBody = await client.readBlob(reference.repository, manifest.config, MAX_CONFIG_BYTES, options.signal);
  const config = parseImageConfig(configBody, `config ${configDigest} of ${reference.toString()}`);
  // A single-platform image is taken as it is, unless the caller asked for another platform.
  if (resolved.indexDigest === undefined && options.platform !== undefined && !configMatchesPlatform(config, options.platform)) {
    throw platformMismatchError(reference, config, options.platform);
  }
  const layers = layerRefs(client, reference, manifest, config);
  const warnings: Warning[] = [...client.warnings];

  log.info({ image: reference.toString(), digest: resolved.manifestDigest, layers: layers.length }, 'opened registry image');
  return {
    target,
    reference: reference.toString(),
    manifestDigest: resolved.manifestDigest,
    configDigest,
    config,
    annotations: { ...manifest.annotations },
    repoDigests: [`${reference.name}@${resolved.indexDigest ?? resolved.manifestDigest}`],
    layers,
    warnings,
    close: () => client.close(),
  };
}

async function resolveWithClient(client: RegistryClient, reference: ImageReference, options: RegistryOptions): Promise<ResolvedManifest> {
  const requested = options.platform ?? hostPlatform();
  const top = await client.getManifest(reference.repository, manifestReference(reference), options.signal);

  if (!isIndex(top.manifest)) {
    const manifest = checkImageManifest(top.manifest, reference);
    return { reference, indexDigest: undefined, manifestDigest: top.digest, manifest, platform: undefined };
  }

  const entry = selectPlatformManifest(top.manifest.manifests, requested, reference.toString());
  const child = await client.getManifest(reference.repository, entry.digest, options.signal);
  if (isIndex(child.manifest)) {
    throw new ImageFormatError(`index ${top.digest} of ${reference.toString()} points to another index for ${formatPlatform(requested)}`, {
      hint: 'Nested indexes are not images; pick a reference to a single image.',
    });
  }
  const manifest = checkImageManifest(child.manifest, reference);
  return { reference, indexDigest: top.digest, manifestDigest: child.digest, manifest, platform: entry.platform };
}

/** Rejects artifacts (Helm charts, signatures, SBOMs) that use the image manifest format but are not images. */
function checkImageManifest(manifest: ImageManifest, reference: ImageReference): ImageManifest {
  if (!CONFIG_MEDIA_TYPES.has(manifest.config.mediaType)) {
    throw new ImageFormatError(`${reference.toString()} is not a container image: its config has media type "${manifest.config.mediaType}"`, {
      hint: 'Point Bosun at an image; artifacts such as Helm charts and signatures have no filesystem to scan.',
    });
  }
  const unknown = manifest.layers.find((layer) => !LAYER_MEDIA_TYPES.has(layer.mediaType));
  if (unknown !== undefined) {
    throw new ImageFormatError(`${reference.toString()} has layer ${unknown.digest} of unsupported media type "${unknown.mediaType}"`, {
      hint: 'Bosun reads tar layers that are uncompressed, gzip or zstd; encrypted layers are not supported.',
    });
  }
  return manifest;
}

function layerRefs(client: RegistryClient, reference: ImageReference, manifest: ImageManifest, config: ImageConfig): LayerRef[] {
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== manifest.layers.length) {
    throw new ImageFormatError(
      `${reference.toString()} has ${manifest.layers.length} layers in its manifest but ${diffIds.length} diffIDs in its config`,
      { hint: 'The image is corrupt; rebuild and push it again.' },
    );
  }

  return manifest.layers.map((layer, index) => ({
    diffId: diffIds[index]!,
    digest: layer.digest,
    size: layer.size,
    mediaType: layer.mediaType,
    // TODO: foreign layers (Windows base layers) are fetched from the registry, not from their `urls`.
    open: (signal?: AbortSignal) => client.getBlob(reference.repository, layer, signal),
  }));
}

function configMatchesPlatform(config: ImageConfig, requested: Platform): boolean {
  return platformMatches({ os: config.os, architecture: config.architecture, variant: config.variant }, requested);
}

function platformMismatchError(reference: ImageReference, config: ImageConfig, requested: Platform): BosunError {
  const actual = formatPlatform({ os: config.os, architecture: config.architecture, variant: config.variant });
  return new BosunError('image.platform_not_found', `${reference.toString()} is built for ${actual}, not for ${formatPlatform(requested)}`, {
    hint: `Pass platform ${actual}, or leave the platform unset to take the image as it is.`,
  });
}
