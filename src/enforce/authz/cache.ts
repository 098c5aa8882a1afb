import type { Judgement } from '../types.js';

/** Clock in milliseconds, injectable for tests. */
export type Clock = () => number;

/**
 * Verdicts by image config digest, each kept for `ttlMs`. A config digest names the image's
 * content, so a cached verdict goes stale only when the policy or the trust evidence changes.
 * The short TTL bounds that staleness and keeps repeated `docker run`s from resolving the
 * chain each time. The oldest entry is dropped when `maxEntries` is reached.
 */
export class VerdictCache {
  private readonly entries = new Map<string, { judgement: Judgement; expiresAt: number }>();

  constructor(
    private readonly ttlMs = 30_000,
    private readonly maxEntries = 1000,
    private readonly now: Clock = Date.now,
  ) {}

  get(configDigest: string): Judgement | undefined {
    const entry = this.entries.get(configDigest);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(configDigest);
      return undefined;
    }
    return entry.judgement;
  }

  set(configDigest: string, judgement: Judgement): void {
    if (this.ttlMs <= 0) return;
    this.entries.delete(configDigest);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(configDigest, { judgement, expiresAt: this.now() + this.ttlMs });
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
