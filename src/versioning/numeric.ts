/**
 * Compares two runs of ASCII digits as unbounded non-negative integers. Leading zeros do not
 * count, so `007` equals `7`. An empty run counts as zero. Returns -1, 0 or 1.
 *
 * Package versions carry numbers longer than 2^53 (dates with seconds, build ids), so the
 * comparison works on the digit strings instead of converting them to `number`.
 */
export function compareDigitRuns(a: string, b: string): number {
  const left = stripLeadingZeros(a);
  const right = stripLeadingZeros(b);
  if (left.length !== right.length) return left.length < right.length ? -1 : 1;
  if (left === right) return 0;
  return left < right ? -1 : 1;
}

function stripLeadingZeros(digits: string): string {
  let start = 0;
  while (start < digits.length && digits.charCodeAt(start) === 0x30) start++;
  return digits.slice(start);
}

/** Compares two strings by UTF-16 code unit, which for ASCII is byte order like C's `strcmp`. */
export function compareCodeUnits(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/** Maps any number to -1, 0 or 1. */
export function sign(value: number): number {
  if (value < 0) return -1;
  return value > 0 ? 1 : 0;
}

/** Returns whether the character code is an ASCII digit. */
export function isDigitCode(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/** Returns whether the character code is an ASCII letter. */
export function isLetterCode(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}
