import type { FileHandle } from 'node:fs/promises';
import { ImageFormatError } from '../../common/errors.js';

/** One tar header after GNU long-name and PAX records are applied. */
export interface TarHeader {
  name: string;
  /** tar-stream's type names, so both readers classify entries alike. */
  type: 'file' | 'contiguous-file' | 'symlink' | 'link' | 'directory' | 'other';
  size: number;
  linkname: string;
  /** Byte offset of the entry's content in the file. */
  contentOffset: number;
}

const BLOCK = 512;
/** Largest GNU long-name or PAX record read into memory; real ones are a few hundred bytes. */
const MAX_META_BYTES = 1024 * 1024;

/**
 * Reads the headers of an uncompressed tar file by seeking from header to header, so indexing
 * a 100 MiB `docker save` archive reads a few kilobytes instead of the whole file. Understands
 * ustar, GNU long names (`L`, `K`) and PAX extended headers (`x`; global `g` is skipped).
 *
 * @throws ImageFormatError on a bad checksum, a size field that is not a number, or an entry that
 * runs past the end of the file.
 */
export async function* readTarHeaders(handle: FileHandle, fileSize: number, file: string, signal?: AbortSignal): AsyncGenerator<TarHeader> {
  const block = Buffer.alloc(BLOCK);
  let position = 0;
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax: Record<string, string> = {};

  while (position + BLOCK <= fileSize) {
    signal?.throwIfAborted();
    const { bytesRead } = await handle.read(block, 0, BLOCK, position);
    if (bytesRead < BLOCK) break;
    if (isZeroBlock(block)) return;

    if (position === 0) rejectCompressed(block, file);
    verifyChecksum(block, file, position);
    const typeflag = String.fromCharCode(block[156]!);
    const size = readSize(block, file, position);
    const contentOffset = position + BLOCK;
    if (contentOffset + size > fileSize) {
      throw new ImageFormatError(`${file} is truncated: the entry at byte ${position} needs ${size} bytes past the end of the file`, {
        hint: 'the archive was cut short; save or copy it again',
      });
    }
    position = contentOffset + Math.ceil(size / BLOCK) * BLOCK;

    if (typeflag === 'L' || typeflag === 'K' || typeflag === 'x' || typeflag === 'g') {
      const text = await readMeta(handle, contentOffset, size, file);
      if (typeflag === 'L') longName = cString(text);
      else if (typeflag === 'K') longLink = cString(text);
      else if (typeflag === 'x') pax = parsePax(text);
      continue;
    }

    const prefix = field(block, 345, 155);
    const shortName = field(block, 0, 100);
    const ustar = field(block, 257, 5) === 'ustar';
    yield {
      name: pax['path'] ?? longName ?? (ustar && prefix ? `${prefix}/${shortName}` : shortName),
      type: entryType(typeflag),
      size: pax['size'] !== undefined ? Number(pax['size']) : size,
      linkname: pax['linkpath'] ?? longLink ?? field(block, 157, 100),
      contentOffset,
    };
    longName = undefined;
    longLink = undefined;
    pax = {};
  }
}

function entryType(flag: string): TarHeader['type'] {
  switch (flag) {
    case '0':
    case '\0':
      return 'file';
    case '7':
      return 'contiguous-file';
    case '1':
      return 'link';
    case '2':
      return 'symlink';
    case '5':
      return 'directory';
    default:
      return 'other';
  }
}

function rejectCompressed(block: Buffer, file: string): void {
  const gzip = block[0] === 0x1f && block[1] === 0x8b;
  const zstd = block.readUInt32LE(0) === 0xfd2fb528;
  if (!gzip && !zstd) return;
  throw new ImageFormatError(`${file} is not a readable uncompressed tar archive: it is ${gzip ? 'gzip' : 'zstd'}-compressed`, {
    hint: `decompress it first (${gzip ? 'gunzip' : 'unzstd'}), then pass the .tar file`,
  });
}

function isZeroBlock(block: Buffer): boolean {
  for (let i = 0; i < BLOCK; i += 1) if (block[i] !== 0) return false;
  return true;
}

function verifyChecksum(block: Buffer, file: string, position: number): void {
  let sum = 0;
  for (let i = 0; i < BLOCK; i += 1) sum += i >= 148 && i < 156 ? 32 : block[i]!;
  const stored = parseInt(field(block, 148, 8).trim() || 'x', 8);
  if (stored !== sum) {
    throw new ImageFormatError(`${file} is not a valid tar archive: bad header checksum at byte ${position}`, {
      hint: 'docker-archive and oci-archive targets must be uncompressed tar files; gunzip a .tar.gz first',
    });
  }
}

/** Reads the size field: octal text, or GNU base-256 when the high bit of the first byte is set. */
function readSize(block: Buffer, file: string, position: number): number {
  if (block[124]! & 0x80) {
    let value = 0;
    for (let i = 125; i < 136; i += 1) value = value * 256 + block[i]!;
    if (!Number.isSafeInteger(value)) throw badSize(file, position);
    return value;
  }
  const text = field(block, 124, 12).trim();
  const value = text === '' ? 0 : parseInt(text, 8);
  if (!Number.isSafeInteger(value) || value < 0 || !/^[0-7]*$/.test(text)) throw badSize(file, position);
  return value;
}

function badSize(file: string, position: number): ImageFormatError {
  return new ImageFormatError(`${file} is not a valid tar archive: bad size field at byte ${position}`);
}

async function readMeta(handle: FileHandle, offset: number, size: number, file: string): Promise<string> {
  if (size > MAX_META_BYTES) {
    throw new ImageFormatError(`${file} has a ${size}-byte extended header; the limit is ${MAX_META_BYTES}`, {
      hint: 'the archive is malformed or hostile; do not use it',
    });
  }
  const buffer = Buffer.alloc(size);
  await handle.read(buffer, 0, size, offset);
  return buffer.toString('utf8');
}

/** Parses PAX records: `LENGTH KEY=VALUE\n`, where LENGTH counts the whole record. */
function parsePax(text: string): Record<string, string> {
  const records: Record<string, string> = {};
  let index = 0;
  while (index < text.length) {
    const space = text.indexOf(' ', index);
    if (space < 0) break;
    const length = Number(text.slice(index, space));
    if (!Number.isInteger(length) || length <= 0) break;
    const record = text.slice(space + 1, index + length - 1);
    const equals = record.indexOf('=');
    if (equals > 0) records[record.slice(0, equals)] = record.slice(equals + 1);
    index += length;
  }
  return records;
}

function field(block: Buffer, start: number, length: number): string {
  return cString(block.toString('utf8', start, start + length));
}

function cString(text: string): string {
  const nul = text.indexOf('\0');
  return nul < 0 ? text : text.slice(0, nul);
}
