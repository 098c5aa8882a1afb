import type { VersionScheme } from '../types.js';
import { compareDigitRuns, isDigitCode, isLetterCode, sign } from '../numeric.js';

/**
 * Debian package versions, `[epoch:]upstream_version[-debian_revision]`, ordered as Debian
 * Policy 5.6.12 describes and as dpkg 1.21 does. The tests compare the order with
 * `dpkg --compare-versions`. Used for Debian and Ubuntu.
 */

interface DpkgVersion {
  epoch: string;
  upstream: string;
  revision: string;
}

/** The largest epoch dpkg 1.21 accepts. It rejects `2147483648:1` as "epoch in version is too big". */
const MAX_EPOCH = '2147483647';

const TILDE = 0x7e;

/**
 * Splits a version the way dpkg does: the epoch ends at the first colon and the revision starts
 * after the last hyphen. A missing revision is the empty string, which dpkg compares equal to
 * `0`, so `1.0` equals `1.0-0`.
 *
 * Lenient for strings dpkg rejects: an epoch that is not a run of digits is not split off, so
 * `a:1` compares as the upstream version `a:1` with epoch 0.
 */
function parse(version: string): DpkgVersion {
  const text = version.trim();
  let epoch = '0';
  let rest = text;

  const colon = text.indexOf(':');
  if (colon > 0 && /^[0-9]+$/.test(text.slice(0, colon))) {
    epoch = text.slice(0, colon);
    rest = text.slice(colon + 1);
  }

  const hyphen = rest.lastIndexOf('-');
  if (hyphen < 0) return { epoch, upstream: rest, revision: '' };
  return { epoch, upstream: rest.slice(0, hyphen), revision: rest.slice(hyphen + 1) };
}

/**
 * Returns the weight of one character in a non-digit run. `~` sorts before the end of the
 * string, the end and digits weigh 0, and letters sort before every other character.
 */
function order(text: string, index: number): number {
  if (index >= text.length) return 0;
  const code = text.charCodeAt(index);
  if (isDigitCode(code)) return 0;
  if (isLetterCode(code)) return code;
  if (code === TILDE) return -1;
  return code + 256;
}

/**
 * Compares two upstream versions or two revisions: alternating runs of non-digits (compared
 * character by character with `order`) and digits (compared as integers).
 */
export function compareDpkgPart(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isDigitCode(a.charCodeAt(i))) || (j < b.length && !isDigitCode(b.charCodeAt(j)))) {
      const difference = order(a, i) - order(b, j);
      if (difference !== 0) return sign(difference);
      i++;
      j++;
    }

    const digitsA = digitRunEnd(a, i);
    const digitsB = digitRunEnd(b, j);
    const numeric = compareDigitRuns(a.slice(i, digitsA), b.slice(j, digitsB));
    if (numeric !== 0) return numeric;
    i = digitsA;
    j = digitsB;
  }
  return 0;
}

function digitRunEnd(text: string, start: number): number {
  let end = start;
  while (end < text.length && isDigitCode(text.charCodeAt(end))) end++;
  return end;
}

/**
 * Returns whether dpkg 1.21 accepts the version without an error or a warning, the same check
 * as `dpkg --validate-version`.
 */
function isValid(version: string): boolean {
  const text = version.trim();
  if (text === '' || /\s/.test(text)) return false;

  const colon = text.indexOf(':');
  if (colon >= 0) {
    const epoch = text.slice(0, colon);
    if (!/^[0-9]+$/.test(epoch) || compareDigitRuns(epoch, MAX_EPOCH) > 0) return false;
  }

  const { upstream, revision } = parse(text);
  const hasRevision = text.lastIndexOf('-') > colon;
  if (hasRevision && revision === '') return false;
  if (!/^[0-9]/.test(upstream)) return false;
  if (!/^[A-Za-z0-9.+~:-]*$/.test(upstream)) return false;
  return /^[A-Za-z0-9.+~]*$/.test(revision);
}

/** Compares epoch, upstream version and revision in that order. */
function compare(a: string, b: string): number {
  const left = parse(a);
  const right = parse(b);
  return (
    compareDigitRuns(left.epoch, right.epoch) ||
    compareDpkgPart(left.upstream, right.upstream) ||
    compareDpkgPart(left.revision, right.revision)
  );
}

/**
 * The dpkg scheme. `compare` accepts any string: it trims white space, splits epoch and revision
 * as dpkg does, and falls back to epoch 0 when the text before the first colon is not a number.
 */
export const dpkgScheme: VersionScheme = { name: 'dpkg', compare, isValid };
