import { constants, createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { truncate } from '../../common/digest.js';
import { BosunError, ImageFormatError, InputError, describeError } from '../../common/errors.js';
import { normalizeTarPath, resolveArchiveLink } from '../tar-path.js';
import { missingFile, READ_CHUNK_BYTES, tooLarge, type BlobStore } from './blob-store.js';
import { readTarHeaders } from './tar-headers.js';

/** Location of one member of an uncompressed tar in the file. */
export interface ArchiveMember {
  path: string;
  type: 'file' | 'link' | 'other';
  /** Byte offset of the content in the file. */
  offset: number;
  size: number;
  /** Normalised target of a symlink or hard link. */
  linkTarget?: string;
}

/** Max members in an archive index: `docker save` writes a few per layer. */
export const MAX_ARCHIVE_MEMBERS = 100_000;

/** Max symlink or hard-link hops when resolving a member. `docker save` links a layer shared by two images once. */
const MAX_LINK_HOPS = 8;

/**
 * A BlobStore over an uncompressed tar file (`docker save`, `oci-archive`). `index` seeks from
 * header to header, recording each member's offset and size without reading its content; later
 * reads seek straight to a member with `createReadStream(file, { start, end })`. Nothing is
 * extracted to disk.
 */
export class TarArchiveStore implements BlobStore {
  private constructor(
    readonly location: string,
    private readonly members: Map<string, ArchiveMember>,
  ) {}

  /**
   * Indexes the tar at `file`. Members whose paths leave the archive root are left out.
   *
   * @throws ImageFormatError when the file is not a readable uncompressed tar, InputError when it is missing.
   */
  static async index(file: string, signal?: AbortSignal): Promise<TarArchiveStore> {
    const members = await indexMembers(file, signal);
    return new TarArchiveStore(file, members);
  }

  /** Normalised paths of every member, in archive order. */
  paths(): string[] {
    return [...this.members.keys()];
  }

  async has(relativePath: string): Promise<boolean> {
    return this.lookup(relativePath) !== undefined;
  }

  async readFile(relativePath: string, maxBytes: number): Promise<Buffer> {
    const member = this.resolve(relativePath);
    if (member.size > maxBytes) throw tooLarge(this.location, relativePath, member.size, maxBytes);
    const buffer = Buffer.alloc(member.size);
    const handle = await open(this.location, 'r');
    try {
      const { bytesRead } = await handle.read(buffer, 0, member.size, member.offset);
      if (bytesRead !== member.size) throw missingFile(this.location, relativePath);
      return buffer;
    } finally {
      await handle.close();
    }
  }

  async openFile(relativePath: string, signal?: AbortSignal): Promise<{ stream: Readable; size: number }> {
    const member = this.resolve(relativePath);
    if (member.size === 0) return { stream: Readable.from([]), size: 0 };
    const end = member.offset + member.size - 1;
    return { stream: createReadStream(this.location, { start: member.offset, end, signal, highWaterMark: READ_CHUNK_BYTES }), size: member.size };
  }

  /** Finds a member, following symlinks and hard links inside the archive. */
  resolve(relativePath: string): ArchiveMember {
    const member = this.lookup(relativePath);
    if (member === undefined) throw missingFile(this.location, relativePath);
    return member;
  }

  private lookup(relativePath: string): ArchiveMember | undefined {
    const start = normalizeTarPath(relativePath);
    if (start === undefined) {
      throw new ImageFormatError(`path "${truncate(relativePath)}" in ${this.location} leaves the archive`, {
        path: relativePath,
        hint: 'the archive is malformed or hostile; do not use it',
      });
    }
    let member = this.members.get(start);
    for (let hops = 0; member?.type === 'link'; hops += 1) {
      if (hops === MAX_LINK_HOPS || member.linkTarget === undefined) {
        throw new ImageFormatError(`link ${member.path} in ${this.location} does not resolve to a file`, { path: member.path });
      }
      member = this.members.get(member.linkTarget);
    }
    return member?.type === 'file' ? member : undefined;
  }
}

async function indexMembers(file: string, signal?: AbortSignal): Promise<Map<string, ArchiveMember>> {
  const members = new Map<string, ArchiveMember>();
  let handle: FileHandle;
  try {
    // O_NONBLOCK keeps open() from waiting for a writer when the path is a FIFO.
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw wrapIndexError(file, error);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) {
      throw new InputError(`cannot read archive ${file}: it is not a regular file`, { hint: 'pass the path of a tar file written by docker save or an OCI tool' });
    }
    const { size } = info;
    for await (const header of readTarHeaders(handle, size, file, signal)) {
      if (members.size >= MAX_ARCHIVE_MEMBERS) {
        throw new ImageFormatError(`${file} has more than ${MAX_ARCHIVE_MEMBERS} members`, { hint: 'the archive is not a plausible image archive' });
      }
      const member = toMember(header, header.contentOffset);
      if (member !== undefined) members.set(member.path, member);
    }
    if (members.size === 0) {
      throw new ImageFormatError(`${file} is not a readable uncompressed tar archive: it has no entries`, {
        hint: 'docker-archive and oci-archive targets must be uncompressed tar files; gunzip a .tar.gz first',
      });
    }
    return members;
  } catch (error) {
    throw wrapIndexError(file, error);
  } finally {
    await handle.close();
  }
}

function toMember(
  header: { name: string; type?: string | null; size?: number | null; linkname?: string | null },
  offset: number,
): ArchiveMember | undefined {
  const path = normalizeTarPath(header.name);
  if (path === undefined || path === '') return undefined;
  const size = header.size ?? 0;
  if (header.type === 'file' || header.type === 'contiguous-file') return { path, type: 'file', offset, size };
  if (header.type === 'symlink') return linkMember(path, resolveArchiveLink(path, header.linkname ?? ''));
  if (header.type === 'link') return linkMember(path, normalizeTarPath(header.linkname ?? ''));
  return { path, type: 'other', offset, size };
}

function linkMember(path: string, target: string | undefined): ArchiveMember {
  // A target outside the archive stays unresolved: lookups through it find nothing.
  return target === undefined ? { path, type: 'other', offset: 0, size: 0 } : { path, type: 'link', offset: 0, size: 0, linkTarget: target };
}

function wrapIndexError(file: string, error: unknown): unknown {
  if (error instanceof BosunError || (error instanceof Error && error.name === 'AbortError')) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES') {
    return new InputError(`cannot read archive ${file}: ${describeError(error)}`, { hint: 'check the path and its permissions', cause: error });
  }
  return new ImageFormatError(`${file} is not a readable uncompressed tar archive: ${describeError(error)}`, {
    hint: 'docker-archive and oci-archive targets must be uncompressed tar files; gunzip a .tar.gz first',
    cause: error,
  });
}
