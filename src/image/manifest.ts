import { z } from 'zod';
import { isDigest, truncate, type DiffId, type Digest } from '../common/digest.js';
import { describeError, ImageFormatError } from '../common/errors.js';
import type { ImageConfig } from './types.js';

/**
 * Zod schemas for the JSON documents a registry or OCI layout serves: image manifests, indexes
 * (Docker calls them manifest lists) and image configs. Sources: the OCI image spec v1.1
 * (manifest.md, image-index.md, config.md, descriptor.md) and Docker's Image Manifest V2
 * Schema 2.
 */

export const MEDIA_TYPE_DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const MEDIA_TYPE_DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const MEDIA_TYPE_OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const MEDIA_TYPE_OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
/** Docker schema 1, signed. Bosun does not read it and rejects it with a hint to push again. */
export const MEDIA_TYPE_DOCKER_MANIFEST_V1_SIGNED = 'application/vnd.docker.distribution.manifest.v1+prettyjws';

export const MEDIA_TYPE_DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';
export const MEDIA_TYPE_OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';

export const MEDIA_TYPE_DOCKER_LAYER = 'application/vnd.docker.image.rootfs.diff.tar.gzip';
export const MEDIA_TYPE_DOCKER_FOREIGN_LAYER = 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip';
export const MEDIA_TYPE_OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar';
export const MEDIA_TYPE_OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
export const MEDIA_TYPE_OCI_LAYER_ZSTD = 'application/vnd.oci.image.layer.v1.tar+zstd';

/** The four manifest media types a registry client accepts, in the order of preference sent in `Accept`. */
export const MANIFEST_MEDIA_TYPES = [
  MEDIA_TYPE_OCI_INDEX,
  MEDIA_TYPE_DOCKER_MANIFEST_LIST,
  MEDIA_TYPE_OCI_MANIFEST,
  MEDIA_TYPE_DOCKER_MANIFEST,
] as const;

/** Max size of a manifest or index: the OCI distribution spec says clients and registries should support at least 4 MiB. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** Max size of an image config. Real configs are a few KiB; long histories reach a few hundred. */
export const MAX_CONFIG_BYTES = 8 * 1024 * 1024;

const digestSchema = z.string().refine(isDigest, { message: 'expected sha256:<64 hex> or sha512:<128 hex>' }).transform((v) => v as Digest);
const diffIdSchema = z.string().refine(isDigest, { message: 'expected sha256:<64 hex> or sha512:<128 hex>' }).transform((v) => v as DiffId);
const annotationsSchema = z.record(z.string(), z.string());

export const platformSchema = z.object({
  os: z.string().min(1).max(64),
  architecture: z.string().min(1).max(64),
  variant: z.string().max(64).optional(),
  'os.version': z.string().max(256).optional(),
  'os.features': z.array(z.string().max(256)).max(64).optional(),
});

export const descriptorSchema = z.object({
  mediaType: z.string().min(1).max(256),
  digest: digestSchema,
  size: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  urls: z.array(z.string()).optional(),
  annotations: annotationsSchema.optional(),
  platform: platformSchema.optional(),
  artifactType: z.string().max(256).optional(),
});
export type Descriptor = z.infer<typeof descriptorSchema>;

const imageManifestFields = {
  schemaVersion: z.literal(2),
  config: descriptorSchema,
  layers: z.array(descriptorSchema),
  annotations: annotationsSchema.optional(),
};

const indexFields = {
  schemaVersion: z.literal(2),
  manifests: z.array(descriptorSchema),
  annotations: annotationsSchema.optional(),
};

export const dockerManifestSchema = z.object({ mediaType: z.literal(MEDIA_TYPE_DOCKER_MANIFEST), ...imageManifestFields });
export const dockerManifestListSchema = z.object({ mediaType: z.literal(MEDIA_TYPE_DOCKER_MANIFEST_LIST), ...indexFields });
export const ociManifestSchema = z.object({
  mediaType: z.literal(MEDIA_TYPE_OCI_MANIFEST),
  ...imageManifestFields,
  artifactType: z.string().max(256).optional(),
  subject: descriptorSchema.optional(),
});
export const ociIndexSchema = z.object({
  mediaType: z.literal(MEDIA_TYPE_OCI_INDEX),
  ...indexFields,
  artifactType: z.string().max(256).optional(),
  subject: descriptorSchema.optional(),
});

/** Any manifest document Bosun reads, discriminated by `mediaType`. */
export const manifestSchema = z.discriminatedUnion('mediaType', [
  dockerManifestSchema,
  dockerManifestListSchema,
  ociManifestSchema,
  ociIndexSchema,
]);
export type Manifest = z.infer<typeof manifestSchema>;
/** A manifest of one image: config plus layers. */
export type ImageManifest = z.infer<typeof dockerManifestSchema> | z.infer<typeof ociManifestSchema>;
/** A list of manifests, one per platform (or an attestation). */
export type ImageIndex = z.infer<typeof dockerManifestListSchema> | z.infer<typeof ociIndexSchema>;

export function isIndex(manifest: Manifest): manifest is ImageIndex {
  return manifest.mediaType === MEDIA_TYPE_OCI_INDEX || manifest.mediaType === MEDIA_TYPE_DOCKER_MANIFEST_LIST;
}

export function isIndexMediaType(mediaType: string): boolean {
  return mediaType === MEDIA_TYPE_OCI_INDEX || mediaType === MEDIA_TYPE_DOCKER_MANIFEST_LIST;
}

/**
 * Parses a manifest or index. The OCI image spec only recommends `mediaType` in the body, so
 * when it is missing the type comes from the `Content-Type` header. Failing that, the shape
 * decides: `manifests` means an index, and `config` with `layers` means an image manifest.
 *
 * @param subject names the document in error messages, for example `manifest of lab/app:1`.
 * @throws ImageFormatError when the body is not JSON, too large, or not a known manifest type.
 */
export function parseManifest(body: Buffer | string, contentType: string | undefined, subject: string): Manifest {
  const json = parseJson(body, MAX_MANIFEST_BYTES, subject);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ImageFormatError(`${subject} is not a JSON object`);
  }

  const document = json as Record<string, unknown>;
  const mediaType = typeof document['mediaType'] === 'string' ? document['mediaType'] : inferMediaType(document, contentType);
  if (mediaType === MEDIA_TYPE_DOCKER_MANIFEST_V1_SIGNED || document['schemaVersion'] === 1) {
    throw new ImageFormatError(`${subject} uses Docker schema 1, which Bosun does not read`, {
      hint: 'Push the image again with a current Docker, Buildah or skopeo to convert it to schema 2 or OCI.',
    });
  }

  const result = manifestSchema.safeParse({ ...document, mediaType });
  if (!result.success) {
    throw new ImageFormatError(`${subject} is not a valid image manifest or index (media type "${truncate(String(mediaType))}"): ${describeIssues(result.error)}`);
  }
  return result.data;
}

function inferMediaType(document: Record<string, unknown>, contentType: string | undefined): string | undefined {
  const header = contentType?.split(';')[0]?.trim().toLowerCase();
  if (header !== undefined && (MANIFEST_MEDIA_TYPES as readonly string[]).includes(header)) return header;
  if (header === MEDIA_TYPE_DOCKER_MANIFEST_V1_SIGNED) return header;
  if (Array.isArray(document['manifests'])) return MEDIA_TYPE_OCI_INDEX;
  if (typeof document['config'] === 'object' && Array.isArray(document['layers'])) return MEDIA_TYPE_OCI_MANIFEST;
  return undefined;
}

const nullableStrings = z.array(z.string()).nullable();

/** The parts of an image config Bosun reads. Unknown fields pass through untouched. */
export const imageConfigSchema = z.looseObject({
  architecture: z.string().max(64),
  os: z.string().max(64),
  variant: z.string().max(64).optional(),
  created: z.string().optional(),
  config: z
    .looseObject({
      User: z.string().optional(),
      Env: z.array(z.string()).nullable().optional().transform((v) => v ?? undefined),
      Entrypoint: nullableStrings.optional(),
      Cmd: nullableStrings.optional(),
      Labels: z.record(z.string(), z.string()).nullable().optional(),
      WorkingDir: z.string().optional(),
      ExposedPorts: z.record(z.string(), z.unknown()).nullable().optional(),
      Healthcheck: z
        .looseObject({
          Test: z.array(z.string()).optional(),
          Interval: z.number().optional(),
          Timeout: z.number().optional(),
          Retries: z.number().optional(),
        })
        .nullable()
        .optional(),
    })
    .nullable()
    .optional()
    .transform((v) => v ?? undefined),
  rootfs: z.object({ type: z.string(), diff_ids: z.array(diffIdSchema) }),
  history: z
    .array(
      z.looseObject({
        created: z.string().optional(),
        created_by: z.string().optional(),
        empty_layer: z.boolean().optional(),
        comment: z.string().optional(),
      }),
    )
    .nullable()
    .optional()
    .transform((v) => v ?? undefined),
});

/**
 * Parses an image config blob.
 *
 * @throws ImageFormatError when the body is not JSON, too large, or lacks `rootfs.diff_ids`.
 */
export function parseImageConfig(body: Buffer | string, subject: string): ImageConfig {
  const json = parseJson(body, MAX_CONFIG_BYTES, subject);
  const result = imageConfigSchema.safeParse(json);
  if (!result.success) throw new ImageFormatError(`${subject} is not a valid image config: ${describeIssues(result.error)}`);
  if (result.data.rootfs.type !== 'layers') {
    throw new ImageFormatError(`${subject} has rootfs type "${truncate(result.data.rootfs.type)}"; only "layers" is defined`);
  }
  return result.data;
}

function parseJson(body: Buffer | string, maxBytes: number, subject: string): unknown {
  const size = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  if (size > maxBytes) throw new ImageFormatError(`${subject} is ${size} bytes, more than the limit of ${maxBytes}`);
  try {
    return JSON.parse(body.toString());
  } catch (error) {
    throw new ImageFormatError(`${subject} is not valid JSON: ${describeError(error)}`, { cause: error });
  }
}

/** Formats the first few zod issues as `path: message` for an error message. */
function describeIssues(error: z.ZodError): string {
  const firstIssues = error.issues.slice(0, 3).map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  const more = error.issues.length > 3 ? ` (and ${error.issues.length - 3} more)` : '';
  return truncate(firstIssues.join('; '), 400) + more;
}
