import { createHash, type Hash } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { extract as tarExtract, type ExtractEvents, type Header } from 'tar-stream';
import { BosunError, ImageFormatError, describeError, type Warning } from '../common/errors.js';
import { AutoDecompress } from './decompress.js';
import { classifyWhiteout, normalizeTarPath } from './tar-path.js';
import type { EntryType, LayerEntry, LayerRef, LayerVisitor, LayerWalkOptions, LayerWalkResult } from './types.js';

const MIB = 1024 * 1024;

/** Default max size of one file passed to a visitor. */
export const DEFAULT_MAX_FILE_BYTES = 256 * MIB;

/** Default max uncompressed size of one layer. */
export const DEFAULT_MAX_LAYER_BYTES = 16 * 1024 * MIB;

/** Default time without progress before a walk fails. */
export const DEFAULT_IDLE_TIMEOUT_MS = 5 * 60 * 1000;

/**
 * Decompression-bomb rule: past `RATIO_FLOOR_BYTES` of output, more than `MAX_RATIO` bytes out
 * per compressed byte read aborts the walk. The ratio of 1000 is an estimate: ordinary layers
 * compress a few times, so only long runs of identical bytes come near it.
 */
export const MAX_RATIO = 1000;
export const RATIO_FLOOR_BYTES = 100 * MIB;

const PROGRESS_STEP = MIB;

/**
 * Streams one layer tar (gzip, zstd or plain, detected by magic bytes) and passes the wanted
 * files to `visitor`, without writing to disk. Returns the layer's whiteouts, opaque
 * directories, non-directory paths and the recoverable problems found on the way.
 *
 * When `layer.diffId` is set, the sha256 of the uncompressed stream must equal it.
 *
 * @throws ImageFormatError when the layer is corrupt or truncated, exceeds `maxLayerBytes`,
 *   looks like a decompression bomb or does not match its diffID.
 * @throws the signal's reason when `options.signal` aborts, and what `visitor` throws.
 */
export async function walkLayer(layer: LayerRef, visitor: LayerVisitor, options: LayerWalkOptions = {}): Promise<LayerWalkResult> {
  if (layer.walk) return layer.walk(visitor, options);

  options.signal?.throwIfAborted();
  const raw = await layer.open(options.signal);
  return new LayerWalk(layer, visitor, options).run(raw);
}

/** The state of one walk: counters, the uncompressed hash and the result being built. */
class LayerWalk {
  private readonly layerName: string;
  private readonly maxFileBytes: number;
  private readonly maxLayerBytes: number;
  private readonly result: LayerWalkResult = { whiteouts: [], opaqueDirs: [], nonDirectories: [], entries: 0, bytes: 0, warnings: [] };
  private readonly hash: Hash;
  /** Content of files read in this layer, for hard links to them. */
  private readonly contents = new Map<string, Buffer>();
  /** Regular files seen in this layer, with their sizes, for hard links to them. */
  private readonly files = new Map<string, number>();
  private compressedBytes = 0;
  private lastProgress = 0;

  constructor(
    private readonly layer: LayerRef,
    private readonly visitor: LayerVisitor,
    private readonly options: LayerWalkOptions,
  ) {
    this.layerName = layer.diffId ?? layer.digest ?? 'layer';
    this.maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    this.maxLayerBytes = options.maxLayerBytes ?? DEFAULT_MAX_LAYER_BYTES;
    this.hash = createHash(layer.diffId?.startsWith('sha512:') ? 'sha512' : 'sha256');
  }

  /**
   * Pipes raw → compressed meter → decompressor → uncompressed meter → tar parser and settles
   * once: on the parser's finish, or on the first error, abort or idle timeout, after which
   * every stream is destroyed.
   */
  run(raw: Readable): Promise<LayerWalkResult> {
    return new Promise((resolve, reject) => {
      const timer = new IdleTimer(this.options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS, () => fail(this.timedOut()));
      const compressedMeter = new Meter((chunk) => {
        this.compressedBytes += chunk.length;
        timer.touch();
      });
      const decompress = new AutoDecompress((total) => this.checkSize(total));
      const uncompressedMeter = new Meter((chunk) => this.onUncompressed(chunk));
      const extract = tarExtract();

      let settled = false;
      const settle = (error: unknown, value?: LayerWalkResult): void => {
        if (settled) return;
        settled = true;
        timer.stop();
        this.options.signal?.removeEventListener('abort', onAbort);
        this.contents.clear();
        if (error === undefined) {
          resolve(value!);
          return;
        }
        for (const stream of [raw, compressedMeter, decompress, uncompressedMeter]) stream.destroy();
        extract.destroy();
        reject(error);
      };
      const fail = (error: unknown): void => settle(error);
      const failCorrupt = (error: unknown): void => settle(this.corrupt(error));
      const onAbort = (): void => fail(this.options.signal?.reason);

      raw.on('error', fail);
      compressedMeter.on('error', fail);
      decompress.on('error', failCorrupt);
      uncompressedMeter.on('error', fail);
      extract.on('error', failCorrupt);
      extract.on('entry', (header, stream, next) => {
        this.onEntry(header, stream).then(() => {
          timer.touch();
          next();
        }, fail);
      });
      extract.on('finish', () => {
        try {
          settle(undefined, this.finish());
        } catch (error) {
          fail(error);
        }
      });

      this.options.signal?.addEventListener('abort', onAbort, { once: true });
      if (this.options.signal?.aborted) {
        onAbort();
        return;
      }
      raw.pipe(compressedMeter).pipe(decompress).pipe(uncompressedMeter).pipe(extract as unknown as NodeJS.WritableStream);
    });
  }

  private timedOut(): ImageFormatError {
    return new ImageFormatError(`reading layer ${this.layerName} made no progress and timed out`, {
      layer: this.layerName,
      hint: 'check that the image source is reachable and responding, then retry',
    });
  }

  private onUncompressed(chunk: Buffer): void {
    this.hash.update(chunk);
    this.result.bytes += chunk.length;
    this.checkSize(this.result.bytes);
    if (this.options.onProgress && this.result.bytes - this.lastProgress >= PROGRESS_STEP) {
      this.lastProgress = this.result.bytes;
      this.options.onProgress(this.result.bytes);
    }
  }

  /** Throws when the uncompressed output is too large in total or relative to the input. */
  private checkSize(uncompressed: number): void {
    if (uncompressed > this.maxLayerBytes) {
      throw new ImageFormatError(`layer ${this.layerName} exceeds the maximum uncompressed size of ${this.maxLayerBytes} bytes`, {
        layer: this.layerName,
        hint: 'the layer may be a decompression bomb; raise maxLayerBytes only if you trust this image',
      });
    }
    if (uncompressed > RATIO_FLOOR_BYTES && uncompressed > MAX_RATIO * this.compressedBytes) {
      throw new ImageFormatError(
        `layer ${this.layerName} decompressed to ${uncompressed} bytes from ${this.compressedBytes} compressed bytes, over the ratio of ${MAX_RATIO}`,
        { layer: this.layerName, hint: 'the layer looks like a decompression bomb; do not use this image' },
      );
    }
  }

  private finish(): LayerWalkResult {
    if (this.options.onProgress && this.result.bytes !== this.lastProgress) this.options.onProgress(this.result.bytes);
    const algorithm = this.layer.diffId?.startsWith('sha512:') ? 'sha512' : 'sha256';
    const actual = `${algorithm}:${this.hash.digest('hex')}`;
    if (this.layer.diffId !== undefined && actual !== this.layer.diffId) {
      throw new ImageFormatError(`layer ${this.layer.diffId} does not match its diffID: the uncompressed content hashes to ${actual}`, {
        layer: this.layer.diffId,
        hint: 'the archive or registry serves a layer that differs from the image config; rebuild or re-export the image',
      });
    }
    return this.result;
  }

  /** Wraps a decompressor or tar parser error, which means corrupt or truncated input. */
  private corrupt(error: unknown): unknown {
    if (error instanceof BosunError) return error;
    return new ImageFormatError(`layer ${this.layerName} is corrupt or truncated: ${describeError(error)}`, {
      layer: this.layerName,
      hint: 'fetch or export the image again; if it persists, the image itself is damaged',
      cause: error,
    });
  }

  private async onEntry(header: Header, stream: EntryStream): Promise<void> {
    const path = normalizeTarPath(header.name);
    if (path === undefined) {
      this.warn('layer.path-escape', `layer entry "${header.name}" escapes the root with "..": skipped`, header.name);
      return drain(stream);
    }
    if (path === '') return drain(stream);

    const whiteout = classifyWhiteout(path);
    if (whiteout.kind !== 'none') {
      if (whiteout.kind === 'whiteout') this.result.whiteouts.push(whiteout.target);
      if (whiteout.kind === 'opaque') this.result.opaqueDirs.push(whiteout.directory);
      return drain(stream);
    }

    const entry = this.toEntry(header, path);
    if (entry === undefined) return drain(stream);
    this.result.entries += 1;
    if (entry.type !== 'directory') this.result.nonDirectories.push(path);
    if (entry.type === 'symlink') this.visitor.onSymlink?.(entry);
    if (entry.type === 'file') return this.onRegularFile(entry, stream);
    if (entry.type === 'hardlink') await this.onHardLink(entry);
    return drain(stream);
  }

  /** Builds the LayerEntry for a header, or undefined (with a warning) for a bad hard link. */
  private toEntry(header: Header, path: string): LayerEntry | undefined {
    const type = entryType(header.type);
    const entry: LayerEntry = { path, type, mode: header.mode ?? 0, size: header.size ?? 0 };
    if (type === 'symlink') entry.linkTarget = header.linkname ?? '';
    if (type !== 'hardlink') return entry;

    const target = normalizeTarPath(header.linkname ?? '');
    if (target === undefined || target === '') {
      this.warn('layer.path-escape', `hard link "${path}" points at "${header.linkname}" outside the root: skipped`, path);
      return undefined;
    }
    entry.linkTarget = target;
    entry.size = this.files.get(target) ?? 0;
    return entry;
  }

  private async onRegularFile(entry: LayerEntry, stream: EntryStream): Promise<void> {
    this.files.set(entry.path, entry.size);
    this.contents.delete(entry.path);
    if (!this.visitor.wants(entry)) return drain(stream);
    const maxBytes = Math.min(this.maxFileBytes, this.visitor.maxBytes?.(entry) ?? Infinity);
    if (entry.size > maxBytes) {
      this.warn('layer.file-too-large', `file ${entry.path} is ${entry.size} bytes, over the maximum of ${maxBytes}: not read`, entry.path);
      return drain(stream);
    }

    const content = await readAll(stream);
    this.contents.set(entry.path, content);
    await this.visitor.onFile(entry, content);
  }

  private async onHardLink(entry: LayerEntry): Promise<void> {
    const target = entry.linkTarget!;
    if (!this.files.has(target)) {
      this.warn('layer.hardlink-missing', `hard link ${entry.path} points at ${target}, which is not earlier in this layer`, entry.path);
      return;
    }
    if (!this.visitor.wants(entry)) return;

    const content = this.contents.get(target);
    if (content === undefined) {
      // The target's bytes were streamed past because the visitor did not want that path.
      this.warn('layer.hardlink-unread', `hard link ${entry.path} points at ${target}, whose content was not read`, entry.path);
      return;
    }
    await this.visitor.onFile(entry, content);
  }

  private warn(code: string, message: string, path: string): void {
    const warning: Warning = { code, message: `${message} (layer ${this.layerName})`, layer: this.layerName, path };
    this.result.warnings.push(warning);
  }
}

/** One entry's content stream from tar-stream (a streamx Readable). */
type EntryStream = ExtractEvents['entry'][1];

function entryType(type: Header['type'] | null | undefined): EntryType {
  switch (type) {
    case 'file':
    case 'contiguous-file':
      return 'file';
    case 'directory':
      return 'directory';
    case 'symlink':
      return 'symlink';
    case 'link':
      return 'hardlink';
    default:
      return 'other';
  }
}

function drain(stream: EntryStream): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.on('end', () => resolve());
    stream.on('error', reject);
    stream.resume();
  });
}

async function readAll(stream: EntryStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** A pass-through Transform that shows every chunk to `observe`, which may throw to fail. */
class Meter extends Transform {
  constructor(private readonly observe: (chunk: Buffer) => void) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.observe(chunk);
    } catch (error) {
      callback(error as Error);
      return;
    }
    callback(null, chunk);
  }
}

/** Calls `onIdle` once when `touch` has not been called for `timeoutMs`. */
class IdleTimer {
  private last = Date.now();
  private readonly interval: NodeJS.Timeout;

  constructor(timeoutMs: number, onIdle: () => void) {
    const check = Math.max(10, Math.min(timeoutMs / 4, 5000));
    this.interval = setInterval(() => {
      if (Date.now() - this.last > timeoutMs) onIdle();
    }, check);
  }

  touch(): void {
    this.last = Date.now();
  }

  stop(): void {
    clearInterval(this.interval);
  }
}
