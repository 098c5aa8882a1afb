import type { VersionScheme } from '../types.js';
import { compareCodeUnits, compareDigitRuns, isDigitCode, isLetterCode } from '../numeric.js';

/**
 * RPM versions, `[epoch:]version[-release]`, ordered like rpm 4.18: `rpmvercmp` for each part
 * and `rpmverCmp` for the whole EVR. The tests compare the order with rpm's own `rpm.vercmp`.
 * Used for Red Hat, Fedora, AlmaLinux, Rocky Linux, openSUSE, SUSE, Mageia, openEuler and other
 * RPM distributions.
 */

interface RpmVersion {
  /** The digits before the colon, or `undefined` without an epoch, which compares as `0`. */
  epoch: string | undefined;
  version: string;
  /** The text after the last hyphen, or `undefined` when there is no hyphen. */
  release: string | undefined;
}

const TILDE = '~';
const CARET = '^';

/**
 * Splits an EVR like rpm's `parseEVR`: the epoch is a run of digits before a colon at the very
 * start, and the release follows the last hyphen after it. `:1.0` has the empty epoch, which rpm
 * reads as `0`.
 */
function parse(evr: string): RpmVersion {
  let digitsEnd = 0;
  while (digitsEnd < evr.length && isDigitCode(evr.charCodeAt(digitsEnd))) digitsEnd++;

  const hyphen = evr.lastIndexOf('-');
  const hasRelease = hyphen >= digitsEnd;
  const versionEnd = hasRelease ? hyphen : evr.length;
  const release = hasRelease ? evr.slice(hyphen + 1) : undefined;

  if (evr.charAt(digitsEnd) === ':') {
    const epoch = digitsEnd === 0 ? '0' : evr.slice(0, digitsEnd);
    return { epoch, version: evr.slice(digitsEnd + 1, versionEnd), release };
  }
  return { epoch: undefined, version: evr.slice(0, versionEnd), release };
}

function isAlphanumeric(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  return isDigitCode(code) || isLetterCode(code);
}

/** Returns the end of the run of digits or of letters that starts at `start`. */
function segmentEnd(text: string, start: number, numeric: boolean): number {
  let end = start;
  const test = numeric ? isDigitCode : isLetterCode;
  while (end < text.length && test(text.charCodeAt(end))) end++;
  return end;
}

/**
 * Compares one version or release string like `rpmvercmp`. Characters other than ASCII letters,
 * digits, `~` and `^` only separate segments. A numeric segment is newer than an alphabetic one.
 * `~` sorts before everything, even the end of the string: `1.0~rc1 < 1.0`. `^` sorts after the
 * end of the string but before any further segment: `1.0 < 1.0^git1 < 1.0.1`.
 */
export function compareRpmPart(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;

  while (i < a.length || j < b.length) {
    while (i < a.length && !isAlphanumeric(a, i) && a[i] !== TILDE && a[i] !== CARET) i++;
    while (j < b.length && !isAlphanumeric(b, j) && b[j] !== TILDE && b[j] !== CARET) j++;

    if (a[i] === TILDE || b[j] === TILDE) {
      if (a[i] !== TILDE) return 1;
      if (b[j] !== TILDE) return -1;
      i++;
      j++;
      continue;
    }

    if (a[i] === CARET || b[j] === CARET) {
      if (i >= a.length) return -1;
      if (j >= b.length) return 1;
      if (a[i] !== CARET) return 1;
      if (b[j] !== CARET) return -1;
      i++;
      j++;
      continue;
    }

    if (i >= a.length || j >= b.length) break;

    const numeric = isDigitCode(a.charCodeAt(i));
    const endA = segmentEnd(a, i, numeric);
    const endB = segmentEnd(b, j, numeric);
    // The segments differ in type: b has letters where a has digits, or the reverse.
    if (endB === j) return numeric ? 1 : -1;

    const segmentA = a.slice(i, endA);
    const segmentB = b.slice(j, endB);
    const result = numeric ? compareDigitRuns(segmentA, segmentB) : compareCodeUnits(segmentA, segmentB);
    if (result !== 0) return result;
    i = endA;
    j = endB;
  }

  if (i >= a.length && j >= b.length) return 0;
  return i < a.length ? 1 : -1;
}

/** Compares two optional parts like rpm's `compare_values`: a missing part sorts first. */
function compareOptional(a: string | undefined, b: string | undefined): number {
  if (a === undefined || b === undefined) {
    if (a === b) return 0;
    return a === undefined ? -1 : 1;
  }
  return compareRpmPart(a, b);
}

/**
 * Compares two EVRs like `rpmverCmp`: epoch (missing = `0`), then version, then release. A
 * missing release sorts before any release, so `1.0 < 1.0-0`, which keeps the order total.
 * NOTE: rpm's dependency matching (`rpmverOverlap`) instead lets a missing release match any
 * release, so an advisory range written without releases needs that rule in the matcher.
 */
function compare(a: string, b: string): number {
  const left = parse(a);
  const right = parse(b);
  return (
    compareRpmPart(left.epoch ?? '0', right.epoch ?? '0') ||
    compareRpmPart(left.version, right.version) ||
    compareOptional(left.release, right.release)
  );
}

/**
 * The EVRs this scheme calls valid: a decimal epoch, and a version and release of ASCII letters,
 * digits and `._+~^`. That covers what RPM distributions ship, though rpm itself parses more.
 */
const EVR_PATTERN = /^(?:[0-9]+:)?[A-Za-z0-9._+~^]+(?:-[A-Za-z0-9._+~^]+)?$/;

function isValid(version: string): boolean {
  return EVR_PATTERN.test(version);
}

/**
 * The rpm scheme. `compare` accepts any string: characters outside the EVR alphabet only
 * separate segments, as in `rpmvercmp`.
 */
export const rpmScheme: VersionScheme = { name: 'rpm', compare, isValid };
