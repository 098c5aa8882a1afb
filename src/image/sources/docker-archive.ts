import { z } from 'zod';
import { isDigest, sha256, truncate, type Digest } from '../../common/digest.js';
import { ImageFormatError, InputError, describeError } from '../../common/errors.js';
import { MAX_CONFIG_BYTES, MAX_MANIFEST_BYTES, parseImageConfig } from '../manifest.js';
import { parseReference } from '../reference.js';
import type { LayerRef, OpenedImage, Platform } from '../types.js';
import { verifyDigest } from './blob-store.js';
import { openOciLayoutStore } from './oci-layout.js';
import { TarArchiveStore } from './tar-archive.js';

export interface DockerArchiveOptions {
  /** The image to open when the archive contains several: one of its `RepoTags`, such as `lab/app:1`. */
  reference?: string;
  /** Platform for archives that only have an OCI index; default the host's. */
  platform?: Platform;
  signal?: AbortSignal;
}

/**
 * One image in `manifest.json` of a `docker save` archive. Docker up to 24 writes
 * `<id>/layer.tar` and `<id>.json`; Docker 25 and later write OCI `blobs/sha256/<hex>` paths
 * beside an `index.json`. Both list the same three fields.
 */
const archiveManifestSchema = z
  .array(
    z.object({
      Config: z.string().min(1).max(1024),
      RepoTags: z.array(z.string().max(512)).nullable().optional(),
      Layers: z.array(z.string().min(1).max(1024)).max(1000),
    }),
  )
  .min(1)
  .max(10_000);
type ArchiveImage = z.infer<typeof archiveManifestSchema>[number];

/**
 * Opens one image of a `docker save` archive (`docker-archive:PATH`), reading layers in place.
 *
 * @throws InputError when the file is missing, or the archive contains several images and
 *   `reference` does not pick one; the message lists the tags.
 * @throws ImageFormatError when `manifest.json` or the config is malformed, a path leaves the
 *   archive, or the layer count does not match the config.
 */
export async function openDockerArchive(file: string, target: string, options: DockerArchiveOptions = {}): Promise<OpenedImage> {
  const archive = await TarArchiveStore.index(file, options.signal);
  return openDockerArchiveStore(archive, target, options);
}

/** Opens one image from an indexed `docker save` archive. */
export async function openDockerArchiveStore(archive: TarArchiveStore, target: string, options: DockerArchiveOptions = {}): Promise<OpenedImage> {
  if (!(await archive.has('manifest.json'))) {
    if (await archive.has('index.json')) return openOciLayoutStore(archive, target, { ...options, tag: tagOf(options.reference) });
    throw new ImageFormatError(`${archive.location} has no manifest.json: it is not a docker save archive`, {
      hint: 'create the archive with `docker save IMAGE -o FILE`',
    });
  }

  const images = parseArchiveManifest(await archive.readFile('manifest.json', MAX_MANIFEST_BYTES), archive.location);
  const { image, reference } = selectImage(images, archive.location, options.reference);

  const configBytes = await archive.readFile(image.Config, MAX_CONFIG_BYTES);
  const configDigest = sha256(configBytes);
  const configPathDigest = digestFromBlobPath(image.Config);
  if (configPathDigest !== undefined) verifyDigest(configBytes, configPathDigest, archive.location);
  const config = parseImageConfig(configBytes, `config ${image.Config} in ${archive.location}`);
  if (config.rootfs.diff_ids.length !== image.Layers.length) {
    throw new ImageFormatError(
      `${archive.location} lists ${image.Layers.length} layers for ${reference ?? 'its image'} but the config has ${config.rootfs.diff_ids.length} diffIDs`,
      { hint: 'the archive is damaged or was edited by hand; save the image again with docker save' },
    );
  }

  const layers = image.Layers.map((layerPath, i): LayerRef => {
    const member = archive.resolve(layerPath);
    return {
      diffId: config.rootfs.diff_ids[i]!,
      digest: digestFromBlobPath(layerPath),
      size: member.size,
      open: async (signal?: AbortSignal) => (await archive.openFile(layerPath, signal)).stream,
    };
  });

  return {
    target,
    reference,
    configDigest,
    config,
    annotations: {},
    repoDigests: [],
    layers,
    warnings: [],
    close: async () => {},
  };
}

function parseArchiveManifest(body: Buffer, location: string): ArchiveImage[] {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new ImageFormatError(`manifest.json in ${location} is not valid JSON: ${describeError(error)}`, { cause: error });
  }
  const result = archiveManifestSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ImageFormatError(`manifest.json in ${location} is not valid: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  return result.data;
}

/** Picks the image whose RepoTags contain `reference`, or the only image when none is given. */
function selectImage(images: ArchiveImage[], location: string, reference: string | undefined): { image: ArchiveImage; reference?: string } {
  const tagged = images.flatMap((image) => (image.RepoTags ?? []).map((tag) => ({ image, tag, normalized: normalizeTag(tag) })));
  const tagList = tagged.length === 0 ? 'no tags' : tagged.map((entry) => entry.tag).join(', ');

  if (reference !== undefined) {
    const requested = normalizeTag(reference);
    const match = tagged.find((entry) => entry.normalized !== undefined && entry.normalized === requested);
    if (match !== undefined) return { image: match.image, reference: match.normalized };
    throw new InputError(`${location} has no image tagged "${truncate(reference)}"; it has ${tagList}`, {
      hint: 'choose the image with --archive-ref REPO:TAG, using one of the listed tags',
    });
  }

  if (images.length > 1) {
    throw new InputError(`${location} contains ${images.length} images, so a reference is required; tags: ${tagList}`, {
      hint: 'choose the image with --archive-ref REPO:TAG, using one of the listed tags',
    });
  }
  const image = images[0]!;
  const tags = image.RepoTags ?? [];
  return { image, reference: tags.length === 1 ? normalizeTag(tags[0]!) : undefined };
}

/** Returns the full form of a tag for comparison (`lab/app:1` → `docker.io/lab/app:1`), or undefined when invalid. */
function normalizeTag(tag: string): string | undefined {
  try {
    return parseReference(tag).toString();
  } catch {
    return undefined;
  }
}

/** Returns the tag part of a reference, used as the OCI ref name when the archive has only an OCI index. */
function tagOf(reference: string | undefined): string | undefined {
  if (reference === undefined) return undefined;
  try {
    return parseReference(reference).tag;
  } catch {
    return reference;
  }
}

/** `blobs/sha256/<hex>` → `sha256:<hex>`; undefined for legacy `<id>/layer.tar` paths. */
function digestFromBlobPath(path: string): Digest | undefined {
  const match = /^blobs\/(sha256|sha512)\/([a-f0-9]+)$/.exec(path);
  if (match === null) return undefined;
  const digest = `${match[1]}:${match[2]}`;
  return isDigest(digest) ? (digest as Digest) : undefined;
}
