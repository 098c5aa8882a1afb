import type { DiffId, Warning } from '../common/index.js';
import { osSourceRank } from './os/index.js';
import { osPackagePurl } from './purl.js';
import type { Catalogue, FileResult, LayerResult, OsInfo, Package, PackageType } from './types.js';

/** A file result visible in the merged view, with the layer that introduced each of its packages. */
interface VisibleFile {
  result: FileResult;
  introducedBy: Map<string, DiffId>;
}

const OS_PACKAGE_TYPES: ReadonlySet<PackageType> = new Set(['deb', 'apk', 'rpm']);

/**
 * Merges layer results, bottom layer first, into the catalogue of the image, following the
 * overlay rules of the OCI image layer spec. An upper layer hides a lower file with:
 * - a whiteout of the file or of an ancestor,
 * - an opaque directory above it,
 * - a non-directory at an ancestor (a file or symlink that replaces a directory),
 * - any non-directory at the same path.
 *
 * A package's `layer` is the layer that introduced it: the lowest layer of the unbroken run of
 * results at its path, ending at the visible one, that all list the same name, version and arch.
 * A package removed and added again starts a new run.
 */
export function mergeLayers(layers: readonly LayerResult[]): Catalogue {
  const visible = new Map<string, VisibleFile>();
  const warnings: Warning[] = [];

  for (const layer of layers) {
    hideLowerFiles(visible, layer);
    for (const [path, result] of Object.entries(layer.files)) {
      visible.set(path, { result, introducedBy: attribute(result, visible.get(path), layer.diffId) });
    }
    warnings.push(...layer.warnings);
  }

  const paths = [...visible.keys()].sort();
  const os = pickOs(paths.map((path) => [path, visible.get(path)!.result] as const));
  const packages: Package[] = [];
  for (const path of paths) {
    const file = visible.get(path)!;
    warnings.push(...file.result.warnings);
    for (const pkg of file.result.packages) {
      packages.push(finishPackage(pkg, file.introducedBy.get(packageKey(pkg))!, os));
    }
  }

  const catalogue: Catalogue = { packages, warnings };
  if (os) catalogue.os = os;
  return catalogue;
}

/** Removes the files that `layer` hides from the view of the layers below it. */
function hideLowerFiles(visible: Map<string, VisibleFile>, layer: LayerResult): void {
  const whiteouts = new Set(layer.whiteouts);
  const opaqueDirs = new Set(layer.opaqueDirs);
  const nonDirectories = new Set(layer.nonDirectories);

  for (const path of [...visible.keys()]) {
    const ancestors = properAncestors(path);
    const hidden =
      whiteouts.has(path) ||
      ancestors.some((ancestor) => whiteouts.has(ancestor) || opaqueDirs.has(ancestor) || nonDirectories.has(ancestor)) ||
      // A replacement with a result of its own keeps the run going, as attribute() records.
      (nonDirectories.has(path) && !(path in layer.files));
    if (hidden) visible.delete(path);
  }
}

/** `a/b/c` → `a`, `a/b`. */
function properAncestors(path: string): string[] {
  const parts = path.split('/');
  const ancestors: string[] = [];
  for (let i = 1; i < parts.length; i++) ancestors.push(parts.slice(0, i).join('/'));
  return ancestors;
}

function attribute(result: FileResult, previous: VisibleFile | undefined, diffId: DiffId): Map<string, DiffId> {
  const introducedBy = new Map<string, DiffId>();
  for (const pkg of result.packages) {
    const key = packageKey(pkg);
    introducedBy.set(key, previous?.introducedBy.get(key) ?? diffId);
  }
  return introducedBy;
}

function packageKey(pkg: Pick<Package, 'name' | 'version' | 'arch'>): string {
  return `${pkg.name}\0${pkg.version}\0${pkg.arch ?? ''}`;
}

/** Picks the OS from the visible file results with the highest-priority source. */
function pickOs(files: ReadonlyArray<readonly [string, FileResult]>): OsInfo | undefined {
  let best: { rank: number; os: OsInfo } | undefined;
  for (const [path, result] of files) {
    if (!result.os) continue;
    const rank = osSourceRank(path);
    if (!best || rank < best.rank) best = { rank, os: result.os };
  }
  return best?.os;
}

/** Adds the introducing layer, and the OS parts of the purl that a layer alone cannot know. */
function finishPackage(pkg: Omit<Package, 'layer'>, layer: DiffId, os: OsInfo | undefined): Package {
  const purl = OS_PACKAGE_TYPES.has(pkg.type) ? osPackagePurl(pkg, os) : pkg.purl;
  return { ...pkg, purl, layer };
}
