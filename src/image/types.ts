import type { Readable } from 'node:stream';
import type { Digest, DiffId } from '../common/digest.js';
import type { Warning } from '../common/errors.js';

/** An OCI platform: `linux/amd64`, `linux/arm64/v8`. */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** The subset of the OCI image config that Bosun reads. Unknown fields are kept in `raw`. */
export interface ImageConfig {
  architecture: string;
  os: string;
  variant?: string;
  created?: string;
  config?: {
    User?: string;
    Env?: string[];
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    Labels?: Record<string, string> | null;
    WorkingDir?: string;
    ExposedPorts?: Record<string, unknown> | null;
    Healthcheck?: { Test?: string[]; Interval?: number; Timeout?: number; Retries?: number } | null;
  };
  rootfs: { type: string; diff_ids: DiffId[] };
  history?: Array<{ created?: string; created_by?: string; empty_layer?: boolean; comment?: string }>;
}

/** One layer of an image, in order from the bottom. `open` returns the stored bytes, possibly compressed. */
export interface LayerRef {
  diffId: DiffId;
  /** Digest of the stored blob, where the source has one (registries, OCI layouts). */
  digest?: Digest;
  /** Size of the stored blob in bytes, where known. */
  size?: number;
  mediaType?: string;
  open(signal?: AbortSignal): Promise<Readable>;
  /**
   * Walks the layer without a tar stream. Sources that have no tar (an unpacked `dir:` root
   * filesystem) set this, and `walkLayer` calls it in place of reading `open()`.
   */
  walk?(visitor: LayerVisitor, options?: LayerWalkOptions): Promise<LayerWalkResult>;
}

/** An image opened from any source: its config, its layers and where it came from. */
export interface OpenedImage {
  /** The target as the user wrote it, for messages: `docker-archive:/tmp/app.tar`. */
  target: string;
  /** The normalised reference (`docker.io/library/nginx:1.27`) where the source has one. */
  reference?: string;
  /** Digest of the image manifest where known (registry, OCI layout, engine RepoDigests). */
  manifestDigest?: Digest;
  configDigest: Digest;
  config: ImageConfig;
  /** Manifest annotations (OCI), for example `org.opencontainers.image.base.digest`. */
  annotations: Record<string, string>;
  /** `repo@sha256:…` references the engine or layout knows for this image. */
  repoDigests: string[];
  layers: LayerRef[];
  warnings: Warning[];
  close(): Promise<void>;
}

/** Entry types after normalisation of a tar header. */
export type EntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';

/** One tar entry of a layer, path normalised: relative, no `./`, no `..`, no trailing slash. */
export interface LayerEntry {
  path: string;
  type: EntryType;
  mode: number;
  size: number;
  /** Target of a symlink or hard link, as written in the tar (hard links normalised like paths). */
  linkTarget?: string;
}

/**
 * What a layer walk reads. `wants` is asked for every regular file and hard link; the content of
 * each wanted file is read into memory (up to `maxFileBytes`) and passed to `onFile`.
 */
export interface LayerVisitor {
  wants(entry: LayerEntry): boolean;
  onFile(entry: LayerEntry, content: Buffer): void | Promise<void>;
  /** Max content size in bytes of one wanted file, below the walk's `maxFileBytes`; undefined keeps that one. */
  maxBytes?(entry: LayerEntry): number | undefined;
  /** Sees every symlink entry, whose target is never followed or read. */
  onSymlink?(entry: LayerEntry): void;
}

/** What a layer walk found besides the files passed to the visitor. */
export interface LayerWalkResult {
  /** Paths deleted in lower layers by `.wh.NAME` entries. */
  whiteouts: string[];
  /** Directories whose lower contents are hidden by `.wh..wh..opq`. */
  opaqueDirs: string[];
  /** Every non-directory path in this layer: a lower directory at such a path is replaced. */
  nonDirectories: string[];
  entries: number;
  /** Uncompressed bytes read. */
  bytes: number;
  warnings: Warning[];
}

export interface LayerWalkOptions {
  signal?: AbortSignal;
  /** Largest file content passed to a visitor; larger wanted files give a warning. */
  maxFileBytes?: number;
  /** Largest uncompressed layer; past it the walk fails (decompression bomb). */
  maxLayerBytes?: number;
  /** Called with uncompressed bytes read so far, for progress displays. */
  onProgress?: (bytes: number) => void;
  /** Milliseconds without progress (source bytes or a finished entry) before the walk fails. */
  idleTimeoutMs?: number;
}
