import type { VersionScheme } from '../types.js';
import { compareCodeUnits, compareDigitRuns, isDigitCode } from '../numeric.js';

/**
 * Alpine package versions, `digit{.digit}...{letter}{_suffix{number}}...{~hash}{-r#}`, ordered
 * like `apk_version_compare` in the current apk-tools src/version.c, the tokenizer that reads
 * `~hash` commit tokens. Also used by Wolfi and Chainguard.
 * NOTE: apk-tools before that tokenizer scored leading zeros differently. It ordered
 * `1.00 < 1.0`, the reverse of this scheme, so old `apk version` output may disagree.
 *
 * A version is read as a sequence of tokens, and tokens of the same kind compare by value. At the
 * first position where the kinds differ, a pre-release suffix sorts lowest. Otherwise the kind
 * that comes later in `TokenKind` sorts lower. So `1.2a < 1.2.1`, because a letter comes after a
 * dotted number, and `1.2 < 1.2.1`, because the end comes after every kind but an invalid tail.
 */

enum TokenKind {
  InitialDigit,
  Digit,
  Letter,
  Suffix,
  SuffixNumber,
  CommitHash,
  RevisionNumber,
  End,
  Invalid,
}

/**
 * Suffix ranks. The pre-release suffixes rank below `NONE`, the release itself, and the
 * post-release suffixes above it.
 */
const SUFFIX_RANK: ReadonlyMap<string, number> = new Map([
  ['alpha', 0],
  ['beta', 1],
  ['pre', 2],
  ['rc', 3],
  ['cvs', 5],
  ['svn', 6],
  ['git', 7],
  ['hg', 8],
  ['p', 9],
]);
const SUFFIX_RANK_NONE = 4;

interface Token {
  kind: TokenKind;
  /** The token's text without its separator: digits, the letter, the suffix name or the hash. */
  text: string;
}

/** Splits a version into tokens, stopping after the first `End` or `Invalid` token. */
function tokenize(version: string): Token[] {
  const tokens: Token[] = [];
  const first = readDigits(version, 0);
  let token: Token = first.text === '' ? { kind: TokenKind.Invalid, text: '' } : { kind: TokenKind.InitialDigit, text: first.text };
  let position = first.end;
  tokens.push(token);

  while (token.kind < TokenKind.End) {
    const next = readToken(version, position, token.kind);
    token = next.token;
    position = next.end;
    tokens.push(token);
  }
  return tokens;
}

function readDigits(text: string, start: number): { text: string; end: number } {
  let end = start;
  while (end < text.length && isDigitCode(text.charCodeAt(end))) end++;
  return { text: text.slice(start, end), end };
}

function readWhile(text: string, start: number, pattern: RegExp): { text: string; end: number } {
  let end = start;
  while (end < text.length && pattern.test(text.charAt(end))) end++;
  return { text: text.slice(start, end), end };
}

const INVALID: Token = { kind: TokenKind.Invalid, text: '' };

// apk-tools' character classes (src/ctype.c) cover ASCII only and let every byte above 127
// through, so a non-ASCII character continues a suffix name or a hash. A hash takes lowercase
// hexadecimal digits only.
const SUFFIX_CHAR = /[a-z\u0080-\uffff]/;
const HASH_CHAR = /[0-9a-f\u0080-\uffff]/;

/**
 * Reads the token at `start`, given the kind of the token before it. A token that may not follow
 * the previous one (a letter after a suffix, a second revision) is `Invalid`.
 */
function readToken(text: string, start: number, previous: TokenKind): { token: Token; end: number } {
  if (start >= text.length) return { token: { kind: TokenKind.End, text: '' }, end: start };
  const char = text.charAt(start);

  if (char >= 'a' && char <= 'z') {
    if (previous > TokenKind.Digit) return { token: INVALID, end: start };
    return { token: { kind: TokenKind.Letter, text: char }, end: start + 1 };
  }
  if (char === '.' || isDigitCode(text.charCodeAt(start))) return readNumber(text, start, previous);
  if (char === '_') {
    if (previous > TokenKind.SuffixNumber) return { token: INVALID, end: start };
    const name = readWhile(text, start + 1, SUFFIX_CHAR);
    if (!SUFFIX_RANK.has(name.text)) return { token: INVALID, end: start };
    return { token: { kind: TokenKind.Suffix, text: name.text }, end: name.end };
  }
  if (char === '~') {
    if (previous >= TokenKind.CommitHash) return { token: INVALID, end: start };
    const hash = readWhile(text, start + 1, HASH_CHAR);
    if (hash.text === '') return { token: INVALID, end: start };
    return { token: { kind: TokenKind.CommitHash, text: hash.text }, end: hash.end };
  }
  if (char === '-') {
    if (previous >= TokenKind.RevisionNumber || text.charAt(start + 1) !== 'r') return { token: INVALID, end: start };
    const digits = readDigits(text, start + 2);
    if (digits.text === '') return { token: INVALID, end: start };
    return { token: { kind: TokenKind.RevisionNumber, text: digits.text }, end: digits.end };
  }
  return { token: INVALID, end: start };
}

/** Reads `.digits` after a number, or the number that follows a suffix name. */
function readNumber(text: string, start: number, previous: TokenKind): { token: Token; end: number } {
  let position = start;
  if (text.charAt(start) === '.') {
    if (previous > TokenKind.Digit) return { token: INVALID, end: start };
    position++;
  }

  let kind: TokenKind;
  if (previous === TokenKind.InitialDigit || previous === TokenKind.Digit) kind = TokenKind.Digit;
  else if (previous === TokenKind.Suffix) kind = TokenKind.SuffixNumber;
  else return { token: INVALID, end: start };

  const digits = readDigits(text, position);
  if (digits.text === '') return { token: INVALID, end: start };
  return { token: { kind, text: digits.text }, end: digits.end };
}

/** Compares two tokens of the same kind. */
function compareTokens(kind: TokenKind, a: string, b: string): number {
  switch (kind) {
    case TokenKind.Digit:
      // A dotted number with a leading zero compares as a string, as in Gentoo: 1.05 < 1.1.
      if (a.startsWith('0') || b.startsWith('0')) return compareCodeUnits(a, b);
      return compareDigitRuns(a, b);
    case TokenKind.InitialDigit:
    case TokenKind.SuffixNumber:
    case TokenKind.RevisionNumber:
      return compareDigitRuns(a, b);
    case TokenKind.Suffix:
      return Math.sign((SUFFIX_RANK.get(a) ?? 0) - (SUFFIX_RANK.get(b) ?? 0));
    default:
      // Letters and commit hashes compare as strings.
      return compareCodeUnits(a, b);
  }
}

function isPreReleaseSuffix(token: Token): boolean {
  return token.kind === TokenKind.Suffix && (SUFFIX_RANK.get(token.text) ?? SUFFIX_RANK_NONE) < SUFFIX_RANK_NONE;
}

/**
 * Compares token by token. A string apk-tools rejects compares by its valid leading tokens, and
 * an invalid tail sorts below anything else at that position, so `1.0 > 1.0-x`. Two strings that
 * turn invalid at the same position after equal tokens compare equal, as in apk-tools.
 */
function compare(a: string, b: string): number {
  const left = tokenize(a);
  const right = tokenize(b);
  let index = 0;
  for (;;) {
    const ta = left[index] ?? INVALID;
    const tb = right[index] ?? INVALID;
    if (ta.kind !== tb.kind || ta.kind >= TokenKind.End) return compareKinds(ta, tb);
    const result = compareTokens(ta.kind, ta.text, tb.text);
    if (result !== 0) return result;
    index++;
  }
}

/** Orders two versions whose tokens agree up to the first tokens `ta` and `tb` of differing kind. */
function compareKinds(ta: Token, tb: Token): number {
  if (ta.kind === tb.kind) return 0;
  if (isPreReleaseSuffix(ta)) return -1;
  if (isPreReleaseSuffix(tb)) return 1;
  return ta.kind > tb.kind ? -1 : 1;
}

/** Returns whether apk-tools accepts the version (`apk_version_validate`). */
function isValid(version: string): boolean {
  const tokens = tokenize(version);
  return tokens[tokens.length - 1]?.kind === TokenKind.End;
}

/** The apk scheme. `compare` accepts any string, and its doc above gives the order of invalid ones. */
export const apkScheme: VersionScheme = { name: 'apk', compare, isValid };
