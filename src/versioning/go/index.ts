import semver from 'semver';
import type { VersionScheme } from '../types.js';
import { compareValidFirst } from '../fallback.js';

/**
 * Go module versions: semantic versions with a `v` prefix, ordered by SemVer precedence. The
 * prefix is optional here because OSV ranges for Go leave it out.
 *
 * - Pseudo-versions (`v0.0.0-20210101000000-abcdef123456`) are pre-releases and order by their
 *   timestamp, which has a fixed width.
 * - `+incompatible` is build metadata and does not count: `v2.0.0+incompatible` equals `v2.0.0`.
 * - The shorthands `v1` and `v1.2` read as `v1.0.0` and `v1.2.0`.
 */

const SHORTHAND = /^v?(0|[1-9][0-9]*)(?:\.(0|[1-9][0-9]*))?$/;

function parse(version: string): semver.SemVer | null {
  const shorthand = SHORTHAND.exec(version);
  if (shorthand !== null) return semver.parse(`${shorthand[1]}.${shorthand[2] ?? '0'}.0`);
  const text = version.startsWith('v') ? version.slice(1) : version;
  return semver.parse(text);
}

/** An invalid version sorts before every valid one (see `compareValidFirst`). */
function compare(a: string, b: string): number {
  return compareValidFirst(a, b, parse, (left, right) => left.compare(right));
}

function isValid(version: string): boolean {
  return parse(version) !== null;
}

/** The Go module scheme. */
export const goScheme: VersionScheme = { name: 'go', compare, isValid };
