import * as pep440 from '@renovatebot/pep440';
import type { VersionScheme } from '../types.js';
import { compareValidFirst } from '../fallback.js';

/**
 * Python package versions as PEP 440 defines them, on `@renovatebot/pep440`: normalised
 * spellings compare equal (`1.0.0a1` equals `1.0.0-alpha1`), and epochs (`1!1.0`), pre-, post-,
 * dev-releases and local versions (`1.0+ubuntu1`) take their PEP 440 places.
 */

/** Returns the trimmed version when it is valid: PEP 440 ignores surrounding white space. */
function parse(version: string): string | null {
  const text = version.trim();
  return pep440.valid(text) === null ? null : text;
}

/** An invalid version sorts before every valid one (see `compareValidFirst`). */
function compare(a: string, b: string): number {
  return compareValidFirst(a, b, parse, (left, right) => Math.sign(pep440.compare(left, right)));
}

function isValid(version: string): boolean {
  return parse(version) !== null;
}

/** The PEP 440 scheme. */
export const pep440Scheme: VersionScheme = { name: 'pep440', compare, isValid };
