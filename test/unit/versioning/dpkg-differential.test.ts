import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dpkgScheme } from '../../../src/versioning/index.js';
import { assertAllValid, assertSameOrder } from './differential.js';
import { Random, versionPairs } from './random.js';
import { dpkgCompare, dpkgValidate } from './reference-tools.js';
import { tableRows } from './table.js';

// Compares the dpkg scheme with `dpkg --compare-versions` on the table rows and on random pairs
// built from the Debian version grammar, so every generated version is valid for dpkg.

const SEED = 0x5eed_d9c6;
const PAIR_COUNT = 3000;

const DIGITS = '0123456789';
// Digits are repeated so that numeric runs are common, as in real versions.
const UPSTREAM_CHARS = `${DIGITS.repeat(4)}abcxyzAZ..++~~`;
const REVISION_CHARS = `${DIGITS.repeat(4)}abuAZ..++~~`;

interface DpkgParts {
  epoch: string | undefined;
  upstream: string;
  revision: string | undefined;
}

/** Appends random upstream characters. `-` needs a revision and `:` needs an epoch. */
function upstreamTail(random: Random, parts: Pick<DpkgParts, 'epoch' | 'revision'>, length: number): string {
  let alphabet = UPSTREAM_CHARS;
  if (parts.revision !== undefined) alphabet += '-';
  if (parts.epoch !== undefined) alphabet += ':';
  return random.string(alphabet, length);
}

function generate(random: Random): DpkgParts {
  const epoch = random.chance(0.25) ? random.string(DIGITS, random.int(1, 2)) : undefined;
  const revision = random.chance(0.6) ? random.string(REVISION_CHARS, random.int(1, 5)) : undefined;
  const upstream = random.string(DIGITS, 1) + upstreamTail(random, { epoch, revision }, random.int(0, 8));
  return { epoch, upstream, revision };
}

/** Keeps a prefix of one part and continues it at random, staying inside the grammar. */
function mutate(random: Random, parts: DpkgParts): DpkgParts {
  const roll = random.next();
  if (roll < 0.15) {
    const epoch = random.chance(0.5) ? undefined : random.string(DIGITS, random.int(1, 2));
    const upstream = epoch === undefined ? parts.upstream.replaceAll(':', '.') : parts.upstream;
    return { ...parts, epoch, upstream };
  }
  if (roll < 0.65) {
    const keep = random.int(1, parts.upstream.length);
    return { ...parts, upstream: parts.upstream.slice(0, keep) + upstreamTail(random, parts, random.int(0, 4)) };
  }
  if (parts.revision === undefined || random.chance(0.2)) {
    const revision = parts.revision === undefined ? random.string(REVISION_CHARS, random.int(1, 4)) : undefined;
    const upstream = revision === undefined ? parts.upstream.replaceAll('-', '.') : parts.upstream;
    return { ...parts, revision, upstream };
  }
  const keep = random.int(0, parts.revision.length);
  return { ...parts, revision: parts.revision.slice(0, keep) + random.string(REVISION_CHARS, random.int(1, 3)) };
}

function format(parts: DpkgParts): string {
  const epoch = parts.epoch === undefined ? '' : `${parts.epoch}:`;
  const revision = parts.revision === undefined ? '' : `-${parts.revision}`;
  return `${epoch}${parts.upstream}${revision}`;
}

test('dpkg table rows match dpkg', () => {
  const pairs = tableRows('dpkg').map((row) => [row.a, row.b] as const);
  assertSameOrder(dpkgScheme, 'dpkg', pairs, dpkgCompare(pairs));
});

test('dpkg random pairs match dpkg', () => {
  const pairs = versionPairs(new Random(SEED), PAIR_COUNT, generate, mutate, format);
  assertAllValid(dpkgScheme, pairs);
  assertSameOrder(dpkgScheme, 'dpkg', pairs, dpkgCompare(pairs));
});

// Strings from a wider alphabet than the grammar, including characters dpkg rejects.
const ANY_CHARS = `${DIGITS.repeat(2)}aZ.+~-:_ `;

test('dpkg isValid matches dpkg --validate-version', () => {
  const random = new Random(SEED + 1);
  const versions = [
    ...['', ' 1.0', '1.0 ', '1. 0', 'a1.0', '1:', ':1', '-1:1', '1.0-', '1-2-3', '1:2:3', '1.0_1'],
    ...['1.0-a:b', '1.0-a_b', '2147483647:1', '2147483648:1', '1.0-~', '00:1', '1:a', '~1', '1-:'],
    ...Array.from({ length: 400 }, () => random.string(ANY_CHARS, random.int(1, 7))),
  ];
  const accepted = dpkgValidate(versions);
  assert.equal(accepted.length, versions.length, 'dpkg returned one result per version');

  const mismatches: string[] = [];
  versions.forEach((version, index) => {
    const ours = dpkgScheme.isValid(version);
    if (ours !== accepted[index]) mismatches.push(`${JSON.stringify(version)}: isValid ${ours}, dpkg ${accepted[index]}`);
  });
  assert.deepEqual(mismatches.slice(0, 15), [], `${mismatches.length} versions judged unlike dpkg`);
});
