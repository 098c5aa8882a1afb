import type { VersionScheme } from '../types.js';
import { compareCodeUnits, compareDigitRuns, isDigitCode } from '../numeric.js';

/**
 * Maven versions, ordered like `ComparableVersion` in maven-artifact 3.9, which implements the
 * POM reference's "Version Order Specification".
 *
 * A version splits into items at `.`, at `-` and at each change between digits and other
 * characters. `-` and a change between letters and digits open a nested list, so `1-1` is
 * `[1, [1]]`. A qualifier after `.` that ends the version or precedes a digit opens a list too,
 * so `1.0.RC1` equals `1.0-RC1`. Trailing null items (`0`, the release qualifier, empty lists)
 * are dropped, so `1.0` equals `1` and `1-ga` equals `1`. Items then compare in this order:
 *
 * - qualifier: `alpha` < `beta` < `milestone` < `rc` = `cr` < `snapshot` < release (`""`,
 *   `ga`, `final`, `release`) < `sp` < any other word, in lexical order;
 * - then a nested list (`-1`), then a number (`.1`).
 *
 * `a`, `b` and `m` directly followed by a digit mean `alpha`, `beta` and `milestone`.
 */

type Item =
  | { kind: 'number'; digits: string }
  | { kind: 'qualifier'; value: string }
  | { kind: 'list'; items: Item[] };

const QUALIFIERS = ['alpha', 'beta', 'milestone', 'rc', 'snapshot', '', 'sp'];
const RELEASE_RANK = String(QUALIFIERS.indexOf(''));
const ALIASES: ReadonlyMap<string, string> = new Map([
  ['ga', ''],
  ['final', ''],
  ['release', ''],
  ['cr', 'rc'],
]);
const SHORT_QUALIFIERS: ReadonlyMap<string, string> = new Map([
  ['a', 'alpha'],
  ['b', 'beta'],
  ['m', 'milestone'],
]);

function qualifier(text: string, followedByDigit: boolean): Item {
  const expanded = followedByDigit ? (SHORT_QUALIFIERS.get(text) ?? text) : text;
  return { kind: 'qualifier', value: ALIASES.get(expanded) ?? expanded };
}

function parseItem(isNumber: boolean, text: string): Item {
  return isNumber ? { kind: 'number', digits: text } : qualifier(text, false);
}

/**
 * Returns the sort key of a qualifier: its index for a known one, else `7-` and the word. Keys
 * compare as strings, so every unknown word sorts after `sp` and unknown words sort lexically.
 */
function qualifierRank(value: string): string {
  const index = QUALIFIERS.indexOf(value);
  return index < 0 ? `${QUALIFIERS.length}-${value}` : String(index);
}

function isNull(item: Item): boolean {
  switch (item.kind) {
    case 'number':
      return /^0*$/.test(item.digits);
    case 'qualifier':
      return qualifierRank(item.value) === RELEASE_RANK;
    case 'list':
      return item.items.length === 0;
  }
}

/** Drops trailing null items, looking past nested lists as Maven's `ListItem.normalize` does. */
function normalize(list: Item[]): void {
  for (let index = list.length - 1; index >= 0; index--) {
    const item = list[index] as Item;
    if (isNull(item)) list.splice(index, 1);
    else if (item.kind !== 'list') break;
  }
}

/** Parses a version into nested item lists, following `ComparableVersion.parseVersion`. */
function parse(version: string): Item[] {
  const text = version.toLowerCase();
  const root: Item[] = [];
  const lists: Item[][] = [root];
  let list = root;
  let isNumber = false;
  let start = 0;

  const openList = (): void => {
    const nested: Item[] = [];
    list.push({ kind: 'list', items: nested });
    lists.push(nested);
    list = nested;
  };

  for (let index = 0; index < text.length; index++) {
    const char = text.charAt(index);
    if (char === '.' || char === '-') {
      list.push(index === start ? { kind: 'number', digits: '0' } : parseItem(isNumber, text.slice(start, index)));
      start = index + 1;
      if (char === '-') openList();
    } else if (isDigitCode(text.charCodeAt(index))) {
      if (!isNumber && index > start) {
        // Maven 3.9 reads `.X1` like `-X1`, so `1.0.0.RC1` equals `1.0.0-RC1`.
        if (list.length > 0) openList();
        list.push(qualifier(text.slice(start, index), true));
        start = index;
        openList();
      }
      isNumber = true;
    } else {
      if (isNumber && index > start) {
        list.push(parseItem(true, text.slice(start, index)));
        start = index;
        openList();
      }
      isNumber = false;
    }
  }

  if (text.length > start) {
    // A trailing `.X` reads like `-X` too.
    if (!isNumber && list.length > 0) openList();
    list.push(parseItem(isNumber, text.slice(start)));
  }

  // Innermost lists first, so an emptied nested list is itself dropped by its parent.
  for (let index = lists.length - 1; index >= 0; index--) normalize(lists[index] as Item[]);
  return root;
}

/** Compares an item with a missing one, the padding of the shorter list. */
function compareWithMissing(item: Item): number {
  switch (item.kind) {
    case 'number':
      return isNull(item) ? 0 : 1;
    case 'qualifier':
      return Math.sign(compareCodeUnits(qualifierRank(item.value), RELEASE_RANK));
    case 'list':
      for (const nested of item.items) {
        const result = compareWithMissing(nested);
        if (result !== 0) return result;
      }
      return 0;
  }
}

/** Rank of an item kind when two items of different kinds meet at one position. */
const KIND_RANK = { qualifier: 0, list: 1, number: 2 } as const;

function compareItems(a: Item | undefined, b: Item | undefined): number {
  if (a === undefined) return b === undefined ? 0 : -compareWithMissing(b);
  if (b === undefined) return compareWithMissing(a);
  if (a.kind !== b.kind) return Math.sign(KIND_RANK[a.kind] - KIND_RANK[b.kind]);

  if (a.kind === 'number' && b.kind === 'number') return compareDigitRuns(a.digits, b.digits);
  if (a.kind === 'qualifier' && b.kind === 'qualifier') {
    return compareCodeUnits(qualifierRank(a.value), qualifierRank(b.value));
  }
  if (a.kind === 'list' && b.kind === 'list') return compareLists(a.items, b.items);
  return 0;
}

function compareLists(a: Item[], b: Item[]): number {
  const length = Math.max(a.length, b.length);
  for (let index = 0; index < length; index++) {
    const result = compareItems(a[index], b[index]);
    if (result !== 0) return result;
  }
  return 0;
}

function compare(a: string, b: string): number {
  return compareLists(parse(a.trim()), parse(b.trim()));
}

/**
 * Maven itself accepts any string as a version. This rejects only strings that cannot be a
 * version in a POM: empty ones and ones with white space or control characters.
 */
function isValid(version: string): boolean {
  return /^[^\s\p{Cc}]+$/u.test(version);
}

/** The Maven scheme. Every string parses, so `compare` needs no fallback. */
export const mavenScheme: VersionScheme = { name: 'maven', compare, isValid };
