import type { DiffId } from '../common/digest.js';
import type { Warning } from '../common/errors.js';
import type { LayerEntry } from '../image/types.js';

/** The purl type of a package, which also picks its cataloguer and version scheme family. */
export type PackageType = 'deb' | 'apk' | 'rpm' | 'npm' | 'pypi' | 'golang' | 'maven' | 'generic';

/** The operating system of an image, from os-release or its fallbacks. */
export interface OsInfo {
  /** os-release `ID`: `debian`, `ubuntu`, `alpine`, `almalinux`, `rocky`, `rhel`, `fedora`… */
  id: string;
  /** os-release `VERSION_ID`: `12`, `22.04`, `3.20.1`, `9.4`. */
  version: string;
  /** Version codename where known: `bookworm`. */
  codename?: string;
  prettyName?: string;
  /** The file it was read from. */
  source: string;
}

/** One installed package. */
export interface Package {
  name: string;
  /**
   * The version as the package manager writes it. dpkg: `[epoch:]upstream[-revision]`;
   * apk: `1.2.3-r4`; rpm: `[epoch:]version-release` (epoch omitted when 0 or absent).
   */
  version: string;
  type: PackageType;
  arch?: string;
  /** Source package (dpkg `Source:`, rpm source RPM name, apk `origin`). Equal to name when none is given. */
  sourceName?: string;
  sourceVersion?: string;
  licenses?: string[];
  /** Package URL, https://github.com/package-url/purl-spec. */
  purl: string;
  /** The layer that introduced this package. */
  layer: DiffId;
  /** The file the package was read from: `var/lib/dpkg/status`. */
  foundIn: string;
}

/** What a cataloguer made of one file. */
export interface FileResult {
  cataloguer: string;
  packages: Array<Omit<Package, 'layer'>>;
  os?: OsInfo;
  warnings: Warning[];
}

/**
 * A cataloguer reads one kind of file (a package database, a manifest) into packages. It is
 * versioned: a change in what it outputs bumps `version`, which invalidates cached layer results.
 */
export interface Cataloguer {
  name: string;
  version: number;
  wants(entry: LayerEntry): boolean;
  /** Max size in bytes of a file it wants; larger ones are not read and give a warning. Default: the walk's limit. */
  maxFileBytes?: number;
  parse(path: string, content: Buffer): FileResult | Promise<FileResult>;
  /**
   * Reports on a file it does not want from the tar entry alone, without reading the content:
   * an unsupported database format, for instance. Returns undefined for files it ignores.
   */
  inspect?(entry: LayerEntry): FileResult | undefined;
}

/** The cached result of cataloguing one layer, keyed by diffID and the cataloguers' versions. */
export interface LayerResult {
  diffId: DiffId;
  files: Record<string, FileResult>;
  whiteouts: string[];
  opaqueDirs: string[];
  nonDirectories: string[];
  warnings: Warning[];
  bytes: number;
}

/** The catalogue of one image: the merged view of its layers. */
export interface Catalogue {
  os?: OsInfo;
  packages: Package[];
  warnings: Warning[];
}
