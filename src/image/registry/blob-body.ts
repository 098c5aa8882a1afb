import { Readable } from 'node:stream';

/** Minimum download rate of a blob. Both fields have defaults. */
export interface BlobThroughputOptions {
  /** Min average rate of a blob download, in bytes per second. Default 16384 (16 KiB/s). */
  minBytesPerSecond?: number;
  /** Time before the rate is first checked, in ms, so that slow starts pass. Default 60000. */
  graceMs?: number;
}

export const DEFAULT_MIN_BLOB_BYTES_PER_SECOND = 16 * 1024;
export const DEFAULT_BLOB_RATE_GRACE_MS = 60_000;

interface GuardedBodyOptions extends BlobThroughputOptions {
  /** Maps an error of the source stream, such as an undici body timeout, to the error to emit. */
  mapError: (error: unknown) => unknown;
  /** Builds the error for a download below the minimum rate. */
  slowError: (bytes: number, elapsedMs: number) => Error;
}

/**
 * Wraps a response body so that its errors pass through `mapError`, and so that it fails with
 * `slowError` when the average rate stays under the minimum after the grace period. Idle
 * timeouts alone let a registry that sends a few bytes a second hold a download for ever.
 *
 * The rate counts only the time the wrapper waits for the source. Time in which the consumer
 * applies backpressure does not count, so a slow consumer does not fail a fast registry.
 */
export class GuardedBody extends Readable {
  private readonly minBytesPerSecond: number;
  private readonly graceMs: number;
  private readonly timer: NodeJS.Timeout;
  private readonly started = Date.now();
  private bytes = 0;
  private pausedMs = 0;
  private pausedSince: number | undefined;
  private ended = false;

  constructor(
    private readonly source: Readable,
    private readonly options: GuardedBodyOptions,
  ) {
    super();
    this.minBytesPerSecond = options.minBytesPerSecond ?? DEFAULT_MIN_BLOB_BYTES_PER_SECOND;
    this.graceMs = options.graceMs ?? DEFAULT_BLOB_RATE_GRACE_MS;
    // The timer catches a trickle whose chunks come further apart than the check would need.
    this.timer = setInterval(() => this.checkRate(), Math.max(10, Math.min(1000, this.graceMs)));
    this.timer.unref();

    source.on('data', (chunk: Buffer) => this.onData(chunk));
    source.on('end', () => {
      this.ended = true;
      this.push(null);
    });
    source.on('error', (error) => this.destroy(this.asError(options.mapError(error))));
    source.pause();
  }

  override _read(): void {
    if (this.pausedSince !== undefined) {
      this.pausedMs += Date.now() - this.pausedSince;
      this.pausedSince = undefined;
    }
    this.source.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    clearInterval(this.timer);
    if (!this.source.destroyed) this.source.destroy();
    callback(error);
  }

  private onData(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (!this.push(chunk)) {
      this.source.pause();
      this.pausedSince = Date.now();
    }
    this.checkRate();
  }

  private checkRate(): void {
    if (this.destroyed || this.ended || this.pausedSince !== undefined) return;
    const elapsedMs = Date.now() - this.started - this.pausedMs;
    if (elapsedMs < this.graceMs) return;
    if ((this.bytes * 1000) / elapsedMs >= this.minBytesPerSecond) return;
    this.destroy(this.options.slowError(this.bytes, elapsedMs));
  }

  private asError(value: unknown): Error {
    return value instanceof Error ? value : new Error(String(value));
  }
}
