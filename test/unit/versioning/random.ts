/**
 * A small seeded pseudo-random generator (mulberry32), so that a failing differential run can be
 * repeated with the same seed.
 */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Returns a float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Returns an integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  /** Returns `length` characters drawn from `alphabet`. */
  string(alphabet: string, length: number): string {
    let text = '';
    for (let index = 0; index < length; index++) text += alphabet.charAt(this.int(0, alphabet.length - 1));
    return text;
  }
}

/**
 * Builds `count` pairs of formatted versions. About half of the pairs are a version and a
 * mutation of it, which keeps a prefix, so that comparisons reach deep into both strings
 * instead of ending at the first character. One pair in twenty is a version with itself.
 */
export function versionPairs<T>(
  random: Random,
  count: number,
  generate: (random: Random) => T,
  mutate: (random: Random, version: T) => T,
  format: (version: T) => string,
): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (let index = 0; index < count; index++) {
    const a = generate(random);
    const roll = random.next();
    let b: T;
    if (roll < 0.05) b = a;
    else if (roll < 0.55) b = mutate(random, a);
    else b = generate(random);
    pairs.push([format(a), format(b)]);
  }
  return pairs;
}
