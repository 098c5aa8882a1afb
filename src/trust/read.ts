import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { describeError, InputError } from '../common/errors.js';

/** Bytes read per call, well below every limit passed to `readRegularFile`. */
const CHUNK_BYTES = 64 * 1024;

export interface ReadRegularFileOptions {
  /** Largest content accepted, in bytes. */
  maxBytes: number;
  /** The kind of file, for messages: `Dockerfile`, `policy file`. */
  what: string;
  /** The fix to suggest when the file is not a regular file or too large. */
  hint: string;
}

/**
 * Reads a regular file of at most `maxBytes` bytes, or returns undefined when it does not exist.
 * The file is opened with O_NONBLOCK, so a FIFO cannot block the open, and checked with fstat
 * before any read, so a FIFO, a device such as /dev/zero or a directory is rejected. The limit
 * counts the bytes actually read, because `stat.size` of a file that is still growing is stale.
 *
 * @throws InputError when the file cannot be opened, is not a regular file, or is larger than
 *   `maxBytes`.
 */
export async function readRegularFile(file: string, options: ReadRegularFileOptions): Promise<Buffer | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new InputError(`cannot read ${options.what} ${file}: ${describeError(error)}`, { hint: options.hint, cause: error });
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new InputError(`${options.what} ${file} is not a regular file`, { hint: options.hint });
    return await readBounded(handle, file, options);
  } finally {
    await handle.close();
  }
}

async function readBounded(handle: FileHandle, file: string, options: ReadRegularFileOptions): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = Buffer.alloc(CHUNK_BYTES);
    const { bytesRead } = await handle.read(chunk, 0, CHUNK_BYTES, null);
    if (bytesRead === 0) return Buffer.concat(chunks, total);
    total += bytesRead;
    if (total > options.maxBytes) {
      throw new InputError(`${options.what} ${file} is larger than ${options.maxBytes} bytes`, { hint: options.hint });
    }
    chunks.push(chunk.subarray(0, bytesRead));
  }
}
