import { createHash } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { lstat, open, readdir, readlink, realpath } from 'node:fs/promises';
import path from 'node:path';
import { sha256, truncate, type DiffId } from '../../common/digest.js';
import { ImageFormatError, InputError, describeError, type Warning } from '../../common/errors.js';
import { DEFAULT_MAX_FILE_BYTES } from '../layer.js';
import { hostPlatform } from '../platform.js';
import type { ImageConfig, LayerEntry, LayerVisitor, LayerWalkOptions, LayerWalkResult, OpenedImage } from '../types.js';

const PROGRESS_STEP = 1024 * 1024;

/**
 * Opens an unpacked root filesystem (`dir:PATH`) as an image of one synthetic layer. There is
 * no tar, so the layer walks the directory itself (`LayerRef.walk`).
 *
 * The layer's diffID is synthetic: the sha256 of the sorted `path NUL size NUL mtime` lines of
 * every entry. It changes when a file is added, removed, resized or touched, so per-layer caches
 * stay correct, but it matches no tar and no registry layer.
 *
 * @throws InputError when PATH is not a directory.
 */
export async function openDirectory(root: string, target: string, signal?: AbortSignal): Promise<OpenedImage> {
  const rootReal = await realRoot(root);
  const diffId = await syntheticDiffId(rootReal, signal);
  const platform = hostPlatform();
  const config: ImageConfig = {
    architecture: platform.architecture,
    os: 'linux',
    ...(platform.variant === undefined ? {} : { variant: platform.variant }),
    rootfs: { type: 'layers', diff_ids: [diffId] },
  };

  return {
    target,
    configDigest: sha256(JSON.stringify(config)),
    config,
    annotations: {},
    repoDigests: [],
    layers: [
      {
        diffId,
        open: async () => {
          throw new InputError(`${target} is a directory and has no layer tar`, { hint: 'walk the layer with walkLayer, which reads the directory' });
        },
        walk: (visitor, options) => walkDirectory(rootReal, visitor, options),
      },
    ],
    warnings: [],
    close: async () => {},
  };
}

/**
 * Walks a directory tree like a layer: every entry is reported relative to `root`, symlinks are
 * reported and never followed, sockets, FIFOs and devices are skipped, and wanted regular files
 * are read (up to `maxFileBytes`) and passed to the visitor. Unreadable files and directories
 * become warnings. The result has no whiteouts or opaque directories.
 *
 * @throws InputError when `root` is not a directory; the signal's reason on abort.
 */
export async function walkDirectory(root: string, visitor: LayerVisitor, options: LayerWalkOptions = {}): Promise<LayerWalkResult> {
  const rootReal = await realRoot(root);
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const result: LayerWalkResult = { whiteouts: [], opaqueDirs: [], nonDirectories: [], entries: 0, bytes: 0, warnings: [] };
  let lastProgress = 0;

  await scanTree(rootReal, result.warnings, options.signal, async (entry) => {
    result.entries += 1;
    if (entry.type !== 'directory') result.nonDirectories.push(entry.path);
    if (entry.type === 'symlink') visitor.onSymlink?.(entry);
    if (entry.type !== 'file' || !visitor.wants(entry)) return;
    const maxBytes = Math.min(maxFileBytes, visitor.maxBytes?.(entry) ?? Infinity);
    if (entry.size > maxBytes) {
      result.warnings.push(warning('layer.file-too-large', `file ${entry.path} is ${entry.size} bytes, over the maximum of ${maxBytes}: not read`, entry.path));
      return;
    }

    const content = await readNoFollow(path.join(rootReal, entry.path), maxBytes).catch((error: unknown) => {
      result.warnings.push(warning('dir.unreadable', `cannot read ${entry.path}: ${describeError(error)}`, entry.path));
      return undefined;
    });
    if (content === undefined) return;
    result.bytes += content.length;
    await visitor.onFile(entry, content);
    if (options.onProgress && result.bytes - lastProgress >= PROGRESS_STEP) {
      lastProgress = result.bytes;
      options.onProgress(result.bytes);
    }
  });
  return result;
}

async function realRoot(root: string): Promise<string> {
  const hint = 'pass the directory of an unpacked root filesystem: dir:PATH';
  let resolved: string;
  try {
    resolved = await realpath(root);
  } catch (error) {
    throw new InputError(`cannot open directory ${truncate(root)}: ${pathErrorReason(error)}`, { hint, cause: error });
  }
  const info = await lstat(resolved);
  if (!info.isDirectory()) throw new InputError(`${truncate(root)} is not a directory`, { hint });
  return resolved;
}

/** Describes a failed path lookup by its errno code, never by the message text. */
export function pathErrorReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'ENOTDIR':
      return 'a component of the path is not a directory';
    case 'ENAMETOOLONG':
      return 'the path or one of its components is too long (ENAMETOOLONG)';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    default:
      return code ?? describeError(error);
  }
}

/** Computes the synthetic diffID described at `openDirectory`. */
async function syntheticDiffId(rootReal: string, signal: AbortSignal | undefined): Promise<DiffId> {
  const lines: string[] = [];
  await scanTree(rootReal, [], signal, async (entry, stats) => {
    lines.push(`${entry.path}\0${stats.size}\0${stats.mtimeMs}\n`);
  });
  lines.sort();
  const hash = createHash('sha256');
  for (const line of lines) hash.update(line);
  return `sha256:${hash.digest('hex')}` as DiffId;
}

type EntryCallback = (entry: LayerEntry, stats: Stats) => Promise<void>;

/**
 * Visits every entry under `rootReal` depth-first in name order, with `lstat` only. Before
 * descending into a directory its realpath must still be inside the root, which catches a
 * directory swapped for a symlink between listing and descending.
 */
async function scanTree(rootReal: string, warnings: Warning[], signal: AbortSignal | undefined, onEntry: EntryCallback): Promise<void> {
  const pending: string[] = [''];
  while (pending.length > 0) {
    const relativeDir = pending.pop()!;
    const names = await listDirectory(rootReal, relativeDir, warnings);
    const subdirectories: string[] = [];
    for (const name of names) {
      signal?.throwIfAborted();
      const relativePath = relativeDir === '' ? name : `${relativeDir}/${name}`;
      const entry = await describeEntry(rootReal, relativePath, warnings);
      if (entry === undefined) continue;
      await onEntry(entry.entry, entry.stats);
      if (entry.entry.type === 'directory') subdirectories.push(relativePath);
    }
    pending.push(...subdirectories.reverse());
  }
}

async function listDirectory(rootReal: string, relativeDir: string, warnings: Warning[]): Promise<string[]> {
  const absolute = path.join(rootReal, relativeDir);
  try {
    const real = await realpath(absolute);
    if (real !== rootReal && !real.startsWith(rootReal + path.sep)) {
      throw new ImageFormatError(`directory ${relativeDir} resolves to ${real}, outside ${rootReal}`, { path: relativeDir });
    }
    return (await readdir(absolute)).sort();
  } catch (error) {
    if (error instanceof ImageFormatError) throw error;
    warnings.push(warning('dir.unreadable', `cannot list ${relativeDir || '.'}: ${describeError(error)}`, relativeDir));
    return [];
  }
}

async function describeEntry(rootReal: string, relativePath: string, warnings: Warning[]): Promise<{ entry: LayerEntry; stats: Stats } | undefined> {
  const absolute = path.join(rootReal, relativePath);
  let stats: Stats;
  try {
    stats = await lstat(absolute);
  } catch (error) {
    warnings.push(warning('dir.unreadable', `cannot stat ${relativePath}: ${describeError(error)}`, relativePath));
    return undefined;
  }
  const base = { path: relativePath, mode: stats.mode & 0o7777, size: stats.size };
  if (stats.isDirectory()) return { entry: { ...base, type: 'directory', size: 0 }, stats };
  if (stats.isFile()) return { entry: { ...base, type: 'file' }, stats };
  if (stats.isSymbolicLink()) {
    const linkTarget = await readlink(absolute).catch(() => '');
    return { entry: { ...base, type: 'symlink', size: 0, linkTarget }, stats };
  }
  // Sockets, FIFOs and device nodes carry no package data, and opening a FIFO would block.
  return undefined;
}

/** Reads a file opened with O_NOFOLLOW, so a file swapped for a symlink is not followed. */
async function readNoFollow(file: string, maxBytes: number): Promise<Buffer> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new Error('not a regular file any more');
    if (stats.size > maxBytes) throw new Error(`grew to ${stats.size} bytes, over the maximum of ${maxBytes}`);
    const buffer = Buffer.alloc(stats.size);
    let offset = 0;
    while (offset < buffer.length) {
      const { bytesRead } = await handle.read(buffer, offset, buffer.length - offset, offset);
      if (bytesRead === 0) break;
      offset += bytesRead;
    }
    return buffer.subarray(0, offset);
  } finally {
    await handle.close();
  }
}

function warning(code: string, message: string, entryPath: string): Warning {
  return { code, message, path: entryPath };
}
