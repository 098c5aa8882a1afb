import { posix } from 'node:path';
import { describeError, truncate, type DiffId, type Warning } from '../common/index.js';
import { walkLayer } from '../image/layer.js';
import type { LayerEntry, LayerRef, LayerVisitor, LayerWalkOptions, LayerWalkResult } from '../image/types.js';
import type { Cataloguer, FileResult, LayerResult } from './types.js';

/** The signature of `walkLayer` from the image module. */
export type LayerWalker = (layer: LayerRef, visitor: LayerVisitor, options: LayerWalkOptions) => Promise<LayerWalkResult>;

export interface ScanLayerOptions extends LayerWalkOptions {
  /** Replaces the image module's walker, to count or fake walks in tests. */
  walk?: LayerWalker;
}

/**
 * Catalogues one layer: walks it once, hands every file some cataloguer wants to those
 * cataloguers, and collects their results by path together with the layer's whiteouts,
 * opaque directories and non-directories, which the merge needs. A file that a cataloguer
 * cannot parse gives a warning tied to the layer and path, and the scan goes on. A layer that
 * cannot be read at all (corrupt tar, size limit, abort) rejects.
 */
export async function scanLayer(layer: LayerRef, cataloguers: readonly Cataloguer[], options: ScanLayerOptions = {}): Promise<LayerResult> {
  const { walk = walkLayer, ...walkOptions } = options;
  const files: Record<string, FileResult> = {};
  const wantedBy = new Map<string, Cataloguer[]>();

  const visitor: LayerVisitor = {
    wants(entry) {
      const wanting = cataloguers.filter((cataloguer) => cataloguer.wants(entry));
      if (wanting.length > 0) {
        wantedBy.set(entry.path, wanting);
        return true;
      }
      recordInspection(entry, cataloguers, files);
      return false;
    },

    maxBytes(entry) {
      const limits = (wantedBy.get(entry.path) ?? []).map((cataloguer) => cataloguer.maxFileBytes ?? Infinity);
      const max = Math.max(...limits);
      return Number.isFinite(max) ? max : undefined;
    },

    onSymlink(entry) {
      const result = symlinkResult(entry, cataloguers);
      if (result !== undefined) files[entry.path] = result;
      else delete files[entry.path];
    },

    async onFile(entry, content) {
      const wanting = wantedBy.get(entry.path) ?? [];
      const results: FileResult[] = [];
      for (const cataloguer of wanting) {
        results.push(await parseFile(cataloguer, entry.path, content, layer.diffId));
      }
      // A tar may contain the same path twice, and the later entry wins, as on extraction.
      if (results.length > 0) files[entry.path] = combine(results);
    },
  };

  const walked = await walk(layer, visitor, walkOptions);
  for (const result of Object.values(files)) tagWarnings(result.warnings, layer.diffId);

  return {
    diffId: layer.diffId,
    files,
    whiteouts: walked.whiteouts,
    opaqueDirs: walked.opaqueDirs,
    nonDirectories: walked.nonDirectories,
    warnings: tagWarnings(walked.warnings, layer.diffId),
    bytes: walked.bytes,
  };
}

function recordInspection(entry: LayerEntry, cataloguers: readonly Cataloguer[], files: Record<string, FileResult>): void {
  const results: FileResult[] = [];
  for (const cataloguer of cataloguers) {
    const result = cataloguer.inspect?.(entry);
    if (result) results.push(result);
  }
  if (results.length > 0) files[entry.path] = combine(results);
}

async function parseFile(cataloguer: Cataloguer, path: string, content: Buffer, diffId: DiffId): Promise<FileResult> {
  try {
    return await cataloguer.parse(path, content);
  } catch (error) {
    return {
      cataloguer: cataloguer.name,
      packages: [],
      warnings: [
        {
          code: 'catalog.parse-failed',
          message: `cannot read ${path} in layer ${diffId} with the ${cataloguer.name} cataloguer: ${describeError(error)}`,
          layer: diffId,
          path,
        },
      ],
    };
  }
}

/**
 * Warns about a symlink at a path some cataloguer wants, because its target is never read:
 * a `var/lib/dpkg/status` linked to `/etc/passwd` would otherwise yield no packages without a
 * word. A link to another wanted path (Debian's `etc/os-release` to `../usr/lib/os-release`) is
 * fine, because the target is read at its own path.
 */
function symlinkResult(entry: LayerEntry, cataloguers: readonly Cataloguer[]): FileResult | undefined {
  const wanting = cataloguers.filter((cataloguer) => cataloguer.wants(entry));
  if (wanting.length === 0) return undefined;

  const target = resolveLinkTarget(entry.path, entry.linkTarget ?? '');
  const targetEntry: LayerEntry = { ...entry, path: target, type: 'file' };
  if (cataloguers.some((cataloguer) => cataloguer.wants(targetEntry))) return undefined;

  return {
    cataloguer: wanting.map((cataloguer) => cataloguer.name).join('+'),
    packages: [],
    warnings: [
      {
        code: 'catalog.symlink-not-followed',
        message: `${entry.path} is a symbolic link to "${truncate(entry.linkTarget ?? '')}", which Bosun does not follow: the file was not read`,
        path: entry.path,
      },
    ],
  };
}

/** Resolves a symlink target to a path below the image root, as the kernel would inside a chroot. */
function resolveLinkTarget(linkPath: string, target: string): string {
  const joined = target.startsWith('/') ? target : posix.join(posix.dirname(linkPath), target);
  return posix.normalize(`/${joined}`).slice(1);
}

/** Joins the results of several cataloguers that read the same file. */
function combine(results: FileResult[]): FileResult {
  if (results.length === 1) return results[0]!;
  const combined: FileResult = {
    cataloguer: results.map((result) => result.cataloguer).join('+'),
    packages: results.flatMap((result) => result.packages),
    warnings: results.flatMap((result) => result.warnings),
  };
  const os = results.find((result) => result.os)?.os;
  if (os) combined.os = os;
  return combined;
}

function tagWarnings(warnings: Warning[], diffId: DiffId): Warning[] {
  for (const warning of warnings) warning.layer ??= diffId;
  return warnings;
}
