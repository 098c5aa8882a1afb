import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { truncate, type Digest } from '../../common/digest.js';
import { ImageFormatError } from '../../common/errors.js';

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

/** A BlobStore over a directory on disk. */
export class DirectoryStore implements BlobStore {
  constructor(readonly location: string) {}

  async has(relativePath: string): Promise<boolean> {
    try {
      return (await stat(this.resolve(relativePath))).isFile();
    } catch {
      return false;
    }
  }

  async readFile(relativePath: string, maxBytes: number): Promise<Buffer> {
    const file = this.resolve(relativePath);
    const handle = await open(file, 'r').catch((error: unknown) => {
      throw missingFile(this.location, relativePath, error);
    });
    try {
      const { size } = await handle.stat();
      if (size > maxBytes) throw tooLarge(this.location, relativePath, size, maxBytes);
      const buffer = Buffer.alloc(size);
      const { bytesRead } = await handle.read(buffer, 0, size, 0);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }

  async openFile(relativePath: string, signal?: AbortSignal): Promise<{ stream: Readable; size: number }> {
    const file = this.resolve(relativePath);
    const info = await stat(file).catch((error: unknown) => {
      throw missingFile(this.location, relativePath, error);
    });
    return { stream: createReadStream(file, { signal, highWaterMark: READ_CHUNK_BYTES }), size: info.size };
  }

  private resolve(relativePath: string): string {
    const file = path.resolve(this.location, relativePath);
    if (!file.startsWith(path.resolve(this.location) + path.sep)) {
      throw new ImageFormatError(`path "${truncate(relativePath)}" leaves the layout ${this.location}`, { path: relativePath });
    }
    return file;
  }
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
