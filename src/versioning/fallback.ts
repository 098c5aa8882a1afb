import { genericScheme } from './generic/index.js';

/**
 * Compares two versions of a scheme that rejects some strings. Valid versions compare with
 * `compareValid`. An invalid version sorts before every valid one, and two invalid versions
 * compare with the generic scheme, so the order stays total. `parse` returns null for an invalid
 * version instead of throwing, so this never throws.
 *
 * Sorting an unparsable installed version lowest makes a matcher report it as affected by an
 * advisory fixed in any valid version, which errs towards a finding instead of a silent miss.
 */
export function compareValidFirst<T>(
  a: string,
  b: string,
  parse: (version: string) => T | null,
  compareValid: (left: T, right: T) => number,
): number {
  const left = parse(a);
  const right = parse(b);
  if (left !== null && right !== null) return compareValid(left, right);
  if (left !== null) return 1;
  if (right !== null) return -1;
  return genericScheme.compare(a, b);
}
