import { stat } from 'node:fs/promises';
import { z } from 'zod';
import { truncate } from '../../common/digest.js';
import { BosunError, ImageFormatError, InputError } from '../../common/errors.js';
import { MAX_CONFIG_BYTES, MAX_MANIFEST_BYTES, isIndex, parseImageConfig, parseManifest, type Descriptor, type ImageManifest } from '../manifest.js';
import { hostPlatform, selectPlatformManifest } from '../platform.js';
import type { LayerRef, OpenedImage, Platform } from '../types.js';
import { DirectoryStore, blobPath, verifyDigest, type BlobStore } from './blob-store.js';
import { pathErrorReason } from './dir.js';

/** The annotation an OCI layout uses to name a manifest in `index.json` (image-layout.md). */
export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';

/** The annotation containerd and Docker write with the full image name. */
const CONTAINERD_NAME_ANNOTATION = 'io.containerd.image.name';

/** Max depth of nested indexes. A multi-platform image in a layout nests one level: index.json, then its image index. */
const MAX_INDEX_DEPTH = 4;

export interface OciLayoutOptions {
  /** The `org.opencontainers.image.ref.name` to open; required when the layout contains several. */
  tag?: string;
  /** Platform to pick from a multi-platform index; default the host's. */
  platform?: Platform;
  signal?: AbortSignal;
}

const layoutMarkerSchema = z.object({ imageLayoutVersion: z.string() });

/**
 * Opens one image of an OCI image layout directory (`oci:PATH[:TAG]`).
 *
 * @throws InputError when PATH is not an OCI layout or the tag is unknown or missing.
 * @throws ImageFormatError when a manifest, index or config is malformed or fails its digest.
 */
export async function openOciLayout(directory: string, target: string, options: OciLayoutOptions = {}): Promise<OpenedImage> {
  const hint = 'pass the directory that contains oci-layout and index.json';
  const info = await stat(directory).catch((error: unknown) => {
    throw new InputError(`cannot open OCI layout ${truncate(directory)}: ${pathErrorReason(error)}`, { hint, cause: error });
  });
  if (!info.isDirectory()) throw new InputError(`OCI layout ${truncate(directory)} is not a directory`, { hint });
  return openOciLayoutStore(new DirectoryStore(directory), target, options);
}

/** Opens one image from an OCI layout in any BlobStore (a directory or an `oci-archive` tar). */
export async function openOciLayoutStore(store: BlobStore, target: string, options: OciLayoutOptions = {}): Promise<OpenedImage> {
  await checkLayoutMarker(store);

  const index = parseManifest(await store.readFile('index.json', MAX_MANIFEST_BYTES), undefined, `index.json of ${store.location}`);
  if (!isIndex(index)) throw new ImageFormatError(`index.json of ${store.location} is not an image index`);

  const top = selectByTag(index.manifests, store.location, options.tag);
  const platform = options.platform ?? hostPlatform();
  const { descriptor, manifest } = await resolveImageManifest(store, top, platform, 0);

  const configBytes = await readBlob(store, manifest.config, MAX_CONFIG_BYTES);
  const config = parseImageConfig(configBytes, `config ${manifest.config.digest} in ${store.location}`);
  if (config.rootfs.diff_ids.length !== manifest.layers.length) {
    throw new ImageFormatError(
      `manifest ${descriptor.digest} in ${store.location} lists ${manifest.layers.length} layers but its config has ${config.rootfs.diff_ids.length} diffIDs`,
    );
  }

  const layers: LayerRef[] = manifest.layers.map((layer, i) => ({
    diffId: config.rootfs.diff_ids[i]!,
    digest: layer.digest,
    size: layer.size,
    mediaType: layer.mediaType,
    open: async (signal?: AbortSignal) => (await store.openFile(blobPath(layer.digest), signal)).stream,
  }));

  return {
    target,
    reference: top.annotations?.[CONTAINERD_NAME_ANNOTATION],
    manifestDigest: descriptor.digest,
    configDigest: manifest.config.digest,
    config,
    annotations: manifest.annotations ?? {},
    repoDigests: [],
    layers,
    warnings: [],
    close: async () => {},
  };
}

async function checkLayoutMarker(store: BlobStore): Promise<void> {
  if (!(await store.has('oci-layout'))) {
    throw new InputError(`${store.location} is not an OCI image layout: it has no oci-layout file`, {
      hint: 'write the image with `skopeo copy … oci:DIR` or `docker buildx build --output type=oci`',
    });
  }
  const marker = layoutMarkerSchema.safeParse(parseJsonOrUndefined(await store.readFile('oci-layout', 4096)));
  if (!marker.success) throw new ImageFormatError(`oci-layout of ${store.location} is not valid: expected {"imageLayoutVersion": …}`);
}

function parseJsonOrUndefined(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Picks the `index.json` entry named `tag`, or the only entry when no tag is given. */
function selectByTag(manifests: Descriptor[], location: string, tag: string | undefined): Descriptor {
  const names = manifests.map((entry) => entry.annotations?.[REF_NAME_ANNOTATION]).filter((name): name is string => name !== undefined);
  if (tag !== undefined) {
    const match = manifests.find((entry) => entry.annotations?.[REF_NAME_ANNOTATION] === tag);
    if (match !== undefined) return match;
    throw new InputError(`OCI layout ${location} has no image named "${truncate(tag)}"; it has ${listNames(names)}`, {
      hint: 'add one of the listed names after the path: oci:PATH:NAME',
    });
  }
  if (manifests.length === 1) return manifests[0]!;
  if (manifests.length === 0) throw new ImageFormatError(`OCI layout ${location} contains no images`);
  throw new InputError(`OCI layout ${location} contains ${manifests.length} images, so a name is required: ${listNames(names)}`, {
    hint: 'add the name after the path: oci:PATH:NAME',
  });
}

function listNames(names: string[]): string {
  return names.length === 0 ? 'no named images' : names.map((name) => `"${truncate(name, 60)}"`).join(', ');
}

/** Follows indexes down to one image manifest, picking `platform` in multi-platform indexes. */
async function resolveImageManifest(
  store: BlobStore,
  descriptor: Descriptor,
  platform: Platform,
  depth: number,
): Promise<{ descriptor: Descriptor; manifest: ImageManifest }> {
  if (depth > MAX_INDEX_DEPTH) {
    throw new ImageFormatError(`indexes in ${store.location} nest deeper than ${MAX_INDEX_DEPTH} levels`);
  }
  const body = await readBlob(store, descriptor, MAX_MANIFEST_BYTES);
  const manifest = parseManifest(body, descriptor.mediaType, `manifest ${descriptor.digest} in ${store.location}`);
  if (!isIndex(manifest)) return { descriptor, manifest };

  const next = pickFromIndex(manifest.manifests, platform, `index ${descriptor.digest} in ${store.location}`);
  return resolveImageManifest(store, next, platform, depth + 1);
}

function pickFromIndex(manifests: Descriptor[], platform: Platform, what: string): Descriptor {
  const withPlatform = manifests.filter((entry) => entry.platform !== undefined);
  if (withPlatform.length === 0 && manifests.length === 1) return manifests[0]!;
  if (withPlatform.length === 0) throw new BosunError('image.platform_not_found', `${what} has ${manifests.length} manifests and none names a platform`);
  return selectPlatformManifest(manifests, platform, what);
}

/** Reads a blob named by a descriptor and checks its size and digest. */
export async function readBlob(store: BlobStore, descriptor: Descriptor, maxBytes: number): Promise<Buffer> {
  if (descriptor.size > maxBytes) {
    throw new ImageFormatError(`blob ${descriptor.digest} in ${store.location} is ${descriptor.size} bytes, over the maximum of ${maxBytes}`);
  }
  const body = await store.readFile(blobPath(descriptor.digest), maxBytes);
  verifyDigest(body, descriptor.digest, store.location);
  if (body.length !== descriptor.size) {
    throw new ImageFormatError(`blob ${descriptor.digest} in ${store.location} is ${body.length} bytes, but its descriptor gives ${descriptor.size}`);
  }
  return body;
}
