import { createHash } from 'node:crypto';
import { constants, createReadStream, type Stats } from 'node:fs';
import { lstat, open, realpath, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { truncate, type Digest } from '../../common/digest.js';
import { describeError, ImageFormatError } from '../../common/errors.js';

/**
 * Read access to the files of an image layout, wherever they are stored: a directory
 * (`oci:`) or the entries of an uncompressed tar (`docker-archive:`, `oci-archive:`). Paths are
 * relative, normalised and built by the readers from fixed names or validated digests.
 */
export interface BlobStore {
  /** The file or directory, for messages. */
  readonly location: string;
  has(relativePath: string): Promise<boolean>;
  /** Reads a whole small file, failing with an ImageFormatError past `maxBytes`. */
  readFile(relativePath: string, maxBytes: number): Promise<Buffer>;
  /** Opens a file for streaming, with its size in bytes. */
  openFile(relativePath: string, signal?: AbortSignal): Promise<{ stream: Readable; size: number }>;
}

/**
 * Read size for streamed blobs and layers. Node's default of 64 KiB costs one thread-pool round
 * trip and one buffer per 64 KiB: for a 115 MiB docker-archive that was about 0.08 s of CPU more
 * than 1 MiB reads, measured with bench/lib/in-process.ts (Node 20, 2 CPUs).
 */
export const READ_CHUNK_BYTES = 1024 * 1024;

/** Path of a blob in an OCI layout: `blobs/<algorithm>/<hex>`, from a validated digest only. */
export function blobPath(digest: Digest): string {
  const [algorithm, hex] = digest.split(':');
  return `blobs/${algorithm}/${hex}`;
}

/**
 * A BlobStore over a directory on disk. A file is opened only when `lstat` reports a regular
 * file and its realpath stays inside the directory, so a FIFO (which would block the read), a
 * device or a symlink out of the layout is rejected with an ImageFormatError naming the file.
 */
export class DirectoryStore implements BlobStore {
  private root: Promise<string> | undefined;

  constructor(readonly location: string) {}

  async has(relativePath: string): Promise<boolean> {
    try {
      return (await stat(this.resolve(relativePath))).isFile();
    } catch {
      return false;
    }
  }

  async readFile(relativePath: string, maxBytes: number): Promise<Buffer> {
    const { handle, size } = await this.openRegular(relativePath);
    try {
      if (size > maxBytes) throw tooLarge(this.location, relativePath, size, maxBytes);
      const buffer = Buffer.alloc(size);
      let offset = 0;
      while (offset < size) {
        const { bytesRead } = await handle.read(buffer, offset, size - offset, offset);
        if (bytesRead === 0) break;
        offset += bytesRead;
      }
      return buffer.subarray(0, offset);
    } finally {
      await handle.close();
    }
  }

  async openFile(relativePath: string, signal?: AbortSignal): Promise<{ stream: Readable; size: number }> {
    const { handle, size } = await this.openRegular(relativePath);
    return { stream: createReadStream('', { fd: handle, signal, highWaterMark: READ_CHUNK_BYTES }), size };
  }

  /**
   * Opens a file after checking it with `lstat` and `realpath`. O_NOFOLLOW and O_NONBLOCK guard
   * the moment between the checks and the open: a file swapped for a symlink fails to open, and
   * one swapped for a FIFO opens without blocking and fails the `fstat` check.
   */
  private async openRegular(relativePath: string): Promise<{ handle: FileHandle; size: number }> {
    const file = this.resolve(relativePath);
    const info = await lstat(file).catch((error: unknown) => {
      throw missingFile(this.location, relativePath, error);
    });
    if (!info.isFile()) throw notRegularFile(this.location, relativePath, describeFileType(info));

    const real = await realpath(file).catch((error: unknown) => {
      throw missingFile(this.location, relativePath, error);
    });
    const root = await this.realRoot();
    if (!real.startsWith(root + path.sep)) {
      throw notRegularFile(this.location, relativePath, `a path through a symbolic link to ${truncate(real)}, outside the layout`);
    }

    const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch((error: unknown) => {
      throw notRegularFile(this.location, relativePath, `a file that cannot be opened (${describeError(error)})`);
    });
    const opened = await handle.stat();
    if (!opened.isFile()) {
      await handle.close();
      throw notRegularFile(this.location, relativePath, describeFileType(opened));
    }
    return { handle, size: opened.size };
  }

  private realRoot(): Promise<string> {
    this.root ??= realpath(this.location);
    return this.root;
  }

  private resolve(relativePath: string): string {
    const file = path.resolve(this.location, relativePath);
    if (!file.startsWith(path.resolve(this.location) + path.sep)) {
      throw new ImageFormatError(`path "${truncate(relativePath)}" leaves the layout ${this.location}`, { path: relativePath });
    }
    return file;
  }
}

function describeFileType(info: Stats): string {
  if (info.isSymbolicLink()) return 'a symbolic link';
  if (info.isFIFO()) return 'a FIFO';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  if (info.isSocket()) return 'a socket';
  if (info.isDirectory()) return 'a directory';
  return 'a special file';
}

function notRegularFile(location: string, relativePath: string, fileType: string): ImageFormatError {
  return new ImageFormatError(`${relativePath} in ${location} is not a regular file inside the layout: it is ${fileType}`, {
    path: relativePath,
    hint: 'an image layout holds only regular files; copy or export the image again with skopeo or docker',
  });
}

export function missingFile(location: string, relativePath: string, cause?: unknown): ImageFormatError {
  return new ImageFormatError(`${location} has no ${relativePath}`, {
    path: relativePath,
    hint: 'the image layout or archive is incomplete; export or copy the image again',
    cause,
  });
}

export function tooLarge(location: string, relativePath: string, size: number, maxBytes: number): ImageFormatError {
  return new ImageFormatError(`${relativePath} in ${location} is ${size} bytes, over the maximum of ${maxBytes}`, {
    path: relativePath,
    hint: 'the file is not a plausible manifest or config; check that the archive is an image',
  });
}

/** Checks that `body` hashes to `expected` (sha256 or sha512). */
export function verifyDigest(body: Buffer, expected: Digest, location: string): void {
  const algorithm = expected.startsWith('sha512:') ? 'sha512' : 'sha256';
  const actual = `${algorithm}:${createHash(algorithm).update(body).digest('hex')}`;
  if (actual !== expected) {
    throw new ImageFormatError(`blob ${expected} in ${location} has digest ${actual}`, {
      hint: 'the image files are corrupt or were modified; copy or export the image again',
    });
  }
}
