import assert from 'node:assert/strict';
import type { VersionScheme } from '../../../src/versioning/index.js';
import type { Sign } from './reference-tools.js';

const SHOWN_MISMATCHES = 15;

/**
 * Asserts that the scheme orders every pair like the reference tool did, and lists the first
 * mismatches with both results when it does not.
 */
export function assertSameOrder(
  scheme: VersionScheme,
  tool: string,
  pairs: ReadonlyArray<readonly [string, string]>,
  reference: readonly Sign[],
): void {
  const mismatches: string[] = [];
  pairs.forEach(([a, b], index) => {
    const ours = Math.sign(scheme.compare(a, b));
    if (ours !== reference[index]) {
      mismatches.push(`${JSON.stringify(a)} vs ${JSON.stringify(b)}: ${scheme.name} scheme ${ours}, ${tool} ${reference[index]}`);
    }
  });
  assert.equal(
    mismatches.length,
    0,
    `${mismatches.length} of ${pairs.length} pairs ordered unlike ${tool}; first ones:\n${mismatches.slice(0, SHOWN_MISMATCHES).join('\n')}`,
  );
}

/** Asserts that the scheme accepts every generated version, since the generators build valid ones. */
export function assertAllValid(scheme: VersionScheme, pairs: ReadonlyArray<readonly [string, string]>): void {
  const rejected = [...new Set(pairs.flat())].filter((version) => !scheme.isValid(version));
  assert.deepEqual(rejected.slice(0, SHOWN_MISMATCHES), [], `${rejected.length} generated versions rejected by isValid`);
}
