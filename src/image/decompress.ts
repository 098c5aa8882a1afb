import { Transform, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';
import binding from 'zstd-napi/binding.js';

/** Compression of a layer blob, detected from its first bytes. */
export type Compression = 'gzip' | 'zstd' | 'none';

const GZIP_MAGIC = [0x1f, 0x8b];
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];
const GZIP_CHUNK_BYTES = 128 * 1024;

/**
 * Detects the compression of a blob from its first bytes. Media types are not trusted for this:
 * Docker's `docker save` writes gzip layers under `layer.tar`, and registries serve
 * `application/vnd.oci.image.layer.v1.tar` blobs that are compressed.
 */
export function detectCompression(head: Buffer): Compression {
  if (startsWith(head, GZIP_MAGIC)) return 'gzip';
  if (startsWith(head, ZSTD_MAGIC)) return 'zstd';
  return 'none';
}

function startsWith(head: Buffer, magic: number[]): boolean {
  return head.length >= magic.length && magic.every((byte, i) => head[i] === byte);
}

/**
 * Called after each block of decompressed output with the total produced so far. It throws to
 * stop a decompression bomb before the output reaches memory in bulk.
 */
export type OutputGuard = (totalOutputBytes: number) => void;

/**
 * A Transform that detects gzip, zstd or plain input from its first four bytes and decompresses
 * it. Backpressure applies per input chunk: the next chunk is taken only once this one has been
 * decompressed and the readable side is below its high-water mark.
 */
export class AutoDecompress extends Transform {
  /** The detected compression, once four bytes (or the whole input) have been seen. */
  compression: Compression | undefined;

  private head: Buffer[] = [];
  private headBytes = 0;
  private inner: Transform | undefined;
  private readonly guard: OutputGuard;

  constructor(guard: OutputGuard) {
    super();
    this.guard = guard;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.compression === undefined) {
      this.head.push(chunk);
      this.headBytes += chunk.length;
      if (this.headBytes < ZSTD_MAGIC.length) {
        callback();
        return;
      }
      chunk = this.start();
    }
    this.forward(chunk, callback);
  }

  override _flush(callback: TransformCallback): void {
    if (this.compression === undefined) {
      const rest = this.start();
      if (rest.length > 0) {
        this.forward(rest, (error) => (error ? callback(error) : this.finishInner(callback)));
        return;
      }
    }
    this.finishInner(callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.inner?.destroy();
    callback(error);
  }

  /** Picks the decoder from the buffered head and returns the buffered bytes. */
  private start(): Buffer {
    const head = Buffer.concat(this.head);
    this.head = [];
    this.compression = detectCompression(head);
    // Each output chunk costs a trip through the Meter and tar parser, so zlib's default of
    // 16 KiB per chunk spends more time in stream plumbing than in inflating.
    if (this.compression === 'gzip') this.inner = createGunzip({ chunkSize: GZIP_CHUNK_BYTES });
    if (this.compression === 'zstd') this.inner = new ZstdDecompress(this.guard);
    this.inner?.on('data', (data: Buffer) => this.push(data));
    this.inner?.on('error', (error) => this.destroy(error));
    return head;
  }

  private forward(chunk: Buffer, callback: TransformCallback): void {
    if (this.inner === undefined) {
      callback(null, chunk);
      return;
    }
    this.inner.write(chunk, (error) => {
      // An error also reaches the 'error' listener, which destroys this stream.
      if (!error) callback();
    });
  }

  private finishInner(callback: TransformCallback): void {
    const inner = this.inner;
    if (inner === undefined) {
      callback();
      return;
    }
    inner.once('end', () => callback());
    inner.end();
  }
}

const ZSTD_OUTPUT_BLOCK = binding.dStreamOutSize();

/**
 * Streaming zstd decompression on the zstd-napi native context. zstd-napi's own
 * `DecompressStream` decompresses each input chunk completely in one synchronous loop, and one
 * 64 KiB chunk of a zstd bomb expands to gigabytes, so this loop calls `guard` after every
 * output block instead.
 */
export class ZstdDecompress extends Transform {
  private readonly context = new binding.DCtx();
  private readonly guard: OutputGuard;
  private produced = 0;
  /** True while a frame has started and not ended: input that ends here is truncated. */
  private inFrame = false;

  constructor(guard: OutputGuard) {
    super();
    this.guard = guard;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.decompress(chunk);
    } catch (error) {
      callback(error as Error);
      return;
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    callback(this.inFrame ? new Error('zstd stream ended in the middle of a frame') : null);
  }

  private decompress(chunk: Buffer): void {
    let input = chunk;
    for (;;) {
      const output = Buffer.allocUnsafe(ZSTD_OUTPUT_BLOCK);
      const [remaining, produced, consumed] = this.context.decompressStream(output, input);
      input = input.subarray(consumed);
      if (produced > 0) {
        this.produced += produced;
        this.guard(this.produced);
        this.push(output.subarray(0, produced));
      }
      // A full output block may leave decoded bytes inside the context, so only a partly
      // filled block (or the end of a frame) with no input left means this chunk is done.
      if (input.length === 0 && (produced < output.length || remaining === 0)) {
        this.inFrame = remaining !== 0;
        return;
      }
    }
  }
}
