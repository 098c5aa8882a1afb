import { InputError } from '../../common/errors.js';

/**
 * Path patterns as Docker uses them: Go's `filepath.Match` for COPY and ADD sources, and
 * moby/patternmatcher for `.dockerignore`. Both are translated to regular expressions.
 */

const REGEX_SPECIAL = /[.+()|{}$^]/;

/**
 * Reports whether a path component contains an unescaped `*`, `?` or `[`. As in BuildKit's copy on Linux,
 * a component without one is taken literally, backslashes included.
 */
export function hasWildcard(component: string): boolean {
  for (let i = 0; i < component.length; i++) {
    const ch = component[i];
    if (ch === '\\') i++;
    else if (ch === '*' || ch === '?' || ch === '[') return true;
  }
  return false;
}

/**
 * Compiles one path component of a Go `filepath.Match` pattern: `*` is any run of characters,
 * `?` one character, `[a-z]`/`[^a-z]` a class, and `\` escapes the next character.
 *
 * @throws InputError for a malformed pattern (Go's ErrBadPattern), as BuildKit rejects it.
 */
export function compileGoMatch(pattern: string): RegExp {
  let regex = '^';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*') regex += '[^/]*';
    else if (ch === '?') regex += '[^/]';
    else if (ch === '\\') {
      if (i + 1 >= pattern.length) throw badPattern(pattern);
      regex += escapeChar(pattern[++i]!);
    } else if (ch === '[') {
      const { source, end } = compileClass(pattern, i);
      regex += source;
      i = end;
    } else regex += escapeChar(ch);
  }
  return new RegExp(`${regex}$`, 's');
}

/** Compiles `[…]` starting at `start`; returns the regex class and the index of its `]`. */
function compileClass(pattern: string, start: number): { source: string; end: number } {
  let i = start + 1;
  let negated = false;
  if (pattern[i] === '^') {
    negated = true;
    i++;
  }
  let body = '';
  let ranges = 0;
  for (;;) {
    if (i >= pattern.length) throw badPattern(pattern);
    if (pattern[i] === ']' && ranges > 0) break;
    const low = classChar(pattern, i);
    i = low.next;
    let range = escapeClassChar(low.char);
    if (pattern[i] === '-' && pattern[i + 1] !== ']') {
      const high = classChar(pattern, i + 1);
      // Go accepts a reversed range and it matches nothing; a JS regex would reject it.
      range = high.char < low.char ? '' : `${range}-${escapeClassChar(high.char)}`;
      i = high.next;
    }
    body += range;
    ranges++;
  }
  return { source: `[${negated ? '^' : ''}${body}]`, end: i };
}

/** Reads one class character; `-` and `]` must be escaped there, as in Go's getEsc. */
function classChar(pattern: string, i: number): { char: string; next: number } {
  const ch = pattern[i];
  if (ch === undefined || ch === '-' || ch === ']') throw badPattern(pattern);
  if (ch === '\\') {
    const escaped = pattern[i + 1];
    if (escaped === undefined) throw badPattern(pattern);
    return { char: escaped, next: i + 2 };
  }
  return { char: ch, next: i + 1 };
}

function escapeChar(ch: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(ch) ? `\\${ch}` : ch;
}

function escapeClassChar(ch: string): string {
  return /[\\\]^-]/.test(ch) ? `\\${ch}` : ch;
}

function badPattern(pattern: string): InputError {
  return new InputError(`invalid path pattern "${pattern}"`, {
    hint: 'Close every "[" class and escape a literal "[", "*" or "?" with a backslash.',
  });
}

/** One `.dockerignore` rule, compiled. */
export interface IgnoreRule {
  pattern: string;
  exclusion: boolean;
  regex: RegExp;
}

/**
 * Reads `.dockerignore` text as Docker does: `#` lines are comments, blank lines are skipped,
 * each pattern is cleaned like a path with a leading `/` removed, and `!` starts an exception.
 */
export function parseDockerignore(text: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (const rawLine of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    if (rawLine.startsWith('#')) continue;
    let pattern = rawLine.trim();
    if (pattern === '') continue;
    const exclusion = pattern.startsWith('!');
    if (exclusion) pattern = pattern.slice(1).trim();
    if (pattern !== '') pattern = cleanPattern(pattern);
    rules.push({ pattern, exclusion, regex: compileIgnorePattern(pattern) });
  }
  return rules;
}

/** Go's filepath.Clean for a pattern, then the leading `/` dropped. */
function cleanPattern(pattern: string): string {
  const absolute = pattern.startsWith('/');
  const parts: string[] = [];
  for (const part of pattern.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..' && parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
    else if (part !== '..' || !absolute) parts.push(part);
  }
  const cleaned = parts.join('/');
  if (cleaned !== '') return cleaned;
  return absolute ? '/' : '.';
}

/**
 * Compiles a `.dockerignore` pattern like moby/patternmatcher: `**` matches any number of
 * directories, `*` and `?` stay within one, `\` escapes, and regex-only characters are literal.
 */
function compileIgnorePattern(pattern: string): RegExp {
  let regex = '^';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*' && pattern[i + 1] === '*') {
      i++;
      if (pattern[i + 1] === '/') i++;
      regex += i + 1 >= pattern.length ? '.*' : '(?:.*/)?';
    } else if (ch === '*') regex += '[^/]*';
    else if (ch === '?') regex += '[^/]';
    else if (ch === '\\') regex += i + 1 < pattern.length ? `\\${pattern[++i]}` : '\\\\';
    else if (REGEX_SPECIAL.test(ch)) regex += `\\${ch}`;
    else regex += ch;
  }
  try {
    return new RegExp(`${regex}$`, 's');
  } catch (error) {
    throw new InputError(`invalid .dockerignore pattern "${pattern}"`, { hint: 'Close every "[" class.', cause: error });
  }
}

/**
 * Reports whether `.dockerignore` rules exclude a context path (`/`-separated, relative). The
 * last rule that matches the path, or one of its parent directories, decides.
 */
export function isIgnored(rules: IgnoreRule[], path: string): boolean {
  const parents = path.split('/').slice(0, -1);
  let ignored = false;
  for (const rule of rules) {
    // As in patternmatcher: an exception matters only once something matched, and a plain
    // rule only while nothing has.
    if (rule.exclusion !== ignored) continue;
    let match = rule.regex.test(path);
    for (let i = 1; !match && i <= parents.length; i++) match = rule.regex.test(parents.slice(0, i).join('/'));
    if (match) ignored = !rule.exclusion;
  }
  return ignored;
}

/**
 * Reports whether an exception (`!pattern`) could match a path beneath the ignored directory
 * `dir`. Docker still sends such a directory's re-included files, so the walk must enter it.
 * The check compares the pattern's leading components with the directory's, and a `**`
 * component could match anything below.
 */
export function mayReincludeBeneath(rules: IgnoreRule[], dir: string): boolean {
  const dirComponents = dir.split('/');
  return rules.some((rule) => {
    if (!rule.exclusion) return false;
    const components = rule.pattern.split('/');
    for (let i = 0; i < dirComponents.length; i++) {
      const component = components[i];
      if (component === undefined) return false;
      if (component.includes('**')) return true;
      if (!componentMatches(component, dirComponents[i]!)) return false;
    }
    return components.length > dirComponents.length;
  });
}

/** Matches one component as `.dockerignore` does. A malformed class counts as a match, so the walk errs towards pinning more. */
function componentMatches(pattern: string, name: string): boolean {
  try {
    return compileIgnorePattern(pattern).test(name);
  } catch {
    return true;
  }
}
