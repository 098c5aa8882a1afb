import type { VersionScheme } from '../types.js';
import { compareCodeUnits, compareDigitRuns, isDigitCode, isLetterCode } from '../numeric.js';

/**
 * A fallback for ecosystems without a scheme of their own. It reads a version as runs of digits
 * and runs of letters; every other character only separates runs, so `1.0-1` equals `1.0.1`.
 *
 * - Numbers compare as integers and sort after words at the same position: `1.a < 1.0`.
 * - Words compare case-insensitively by character code.
 * - Past the end of the shorter version, a missing run counts as `0` against a number, so
 *   `1.0.0` equals `1` and `1.0 < 1.0.1`, and as newer than a word, read as a pre-release
 *   label, so `1.0rc1 < 1.0`.
 */

interface Run {
  numeric: boolean;
  text: string;
}

function splitRuns(version: string): Run[] {
  const runs: Run[] = [];
  let index = 0;
  while (index < version.length) {
    const code = version.charCodeAt(index);
    const numeric = isDigitCode(code);
    if (!numeric && !isLetterCode(code)) {
      index++;
      continue;
    }
    const test = numeric ? isDigitCode : isLetterCode;
    const start = index;
    while (index < version.length && test(version.charCodeAt(index))) index++;
    runs.push({ numeric, text: numeric ? version.slice(start, index) : version.slice(start, index).toLowerCase() });
  }
  return runs;
}

function compareRuns(a: Run, b: Run): number {
  if (a.numeric !== b.numeric) return a.numeric ? 1 : -1;
  return a.numeric ? compareDigitRuns(a.text, b.text) : compareCodeUnits(a.text, b.text);
}

/**
 * Compares a run with the missing run past the end of the shorter version: a missing run counts
 * as the number 0 against a number, and as newer than a word.
 */
function compareWithMissing(run: Run): number {
  return run.numeric ? compareDigitRuns(run.text, '0') : -1;
}

function compare(a: string, b: string): number {
  const left = splitRuns(a);
  const right = splitRuns(b);
  const length = Math.max(left.length, right.length);
  for (let index = 0; index < length; index++) {
    const runA = left[index];
    const runB = right[index];
    let result: number;
    if (runA === undefined) result = runB === undefined ? 0 : -compareWithMissing(runB);
    else if (runB === undefined) result = compareWithMissing(runA);
    else result = compareRuns(runA, runB);
    if (result !== 0) return result;
  }
  return 0;
}

/** Accepts a non-empty version that starts with a letter or digit and has no white space. */
function isValid(version: string): boolean {
  return /^[A-Za-z0-9][\x21-\x7e]*$/.test(version);
}

/** The generic fallback scheme. Every string has a place in its order. */
export const genericScheme: VersionScheme = { name: 'generic', compare, isValid };
