import { test } from 'node:test';
import { rpmScheme } from '../../../src/versioning/index.js';
import { assertAllValid, assertSameOrder } from './differential.js';
import { Random, versionPairs } from './random.js';
import { rpmCompare } from './reference-tools.js';
import { tableRows } from './table.js';

// Compares the rpm scheme with rpm 4.18's `rpm.vercmp`, which parses both strings as EVRs and
// compares them with rpmverCmp, on the table rows and on random EVR pairs.

const SEED = 0x5eed_0e1f;
const PAIR_COUNT = 5000;

const DIGITS = '0123456789';
// Digits are repeated so that numeric runs are common, as in real versions.
const PART_CHARS = `${DIGITS.repeat(3)}abzAZ.._+~~^^`;

interface RpmParts {
  epoch: string | undefined;
  version: string;
  release: string | undefined;
}

function generate(random: Random): RpmParts {
  return {
    epoch: random.chance(0.25) ? random.string(DIGITS, random.int(1, 2)) : undefined,
    version: random.string(PART_CHARS, random.int(1, 8)),
    release: random.chance(0.7) ? random.string(PART_CHARS, random.int(1, 6)) : undefined,
  };
}

/** Keeps a prefix of one part and continues it at random. */
function mutate(random: Random, parts: RpmParts): RpmParts {
  const roll = random.next();
  if (roll < 0.1) return { ...parts, epoch: random.chance(0.5) ? undefined : random.string(DIGITS, random.int(1, 2)) };
  if (roll < 0.6) {
    const keep = random.int(0, parts.version.length - 1);
    return { ...parts, version: parts.version.slice(0, keep) + random.string(PART_CHARS, random.int(1, 4)) };
  }
  if (parts.release === undefined || random.chance(0.2)) {
    return { ...parts, release: parts.release === undefined ? random.string(PART_CHARS, random.int(1, 4)) : undefined };
  }
  const keep = random.int(0, parts.release.length - 1);
  return { ...parts, release: parts.release.slice(0, keep) + random.string(PART_CHARS, random.int(1, 3)) };
}

function format(parts: RpmParts): string {
  const epoch = parts.epoch === undefined ? '' : `${parts.epoch}:`;
  const release = parts.release === undefined ? '' : `-${parts.release}`;
  return `${epoch}${parts.version}${release}`;
}

test('rpm table rows match rpm', () => {
  const pairs = tableRows('rpm').map((row) => [row.a, row.b] as const);
  assertSameOrder(rpmScheme, 'rpm', pairs, rpmCompare(pairs));
});

test('rpm random pairs match rpm', () => {
  const pairs = versionPairs(new Random(SEED), PAIR_COUNT, generate, mutate, format);
  assertAllValid(rpmScheme, pairs);
  assertSameOrder(rpmScheme, 'rpm', pairs, rpmCompare(pairs));
});
