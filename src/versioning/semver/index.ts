import semver from 'semver';
import type { VersionScheme } from '../types.js';
import { compareValidFirst } from '../fallback.js';

/**
 * Semantic Versioning 2.0.0 on the `semver` package in loose mode, which accepts a `v` or `=`
 * prefix and surrounding white space. Build metadata does not count: `1.0.0+a` equals
 * `1.0.0+b`. Used for npm, crates.io and other ecosystems whose OSV ranges are of type SEMVER.
 */

const options = { loose: true } as const;

function parse(version: string): semver.SemVer | null {
  return semver.parse(version, options);
}

/** An invalid version sorts before every valid one (see `compareValidFirst`). */
function compare(a: string, b: string): number {
  return compareValidFirst(a, b, parse, (left, right) => left.compare(right));
}

function isValid(version: string): boolean {
  return parse(version) !== null;
}

/** The semver scheme. */
export const semverScheme: VersionScheme = { name: 'semver', compare, isValid };
