import { truncate } from '../../common/digest.js';
import { InputError } from '../../common/errors.js';

/**
 * Word-level rules of the Dockerfile language that BuildKit applies with its own small shell
 * lexer (moby/buildkit frontend/dockerfile/shell): splitting a line into words to find
 * heredoc operators, and `$VAR` substitution.
 */

/** A heredoc operator found on an instruction line: `<<EOF`, `<<-EOF`, `<<"EOF"`, `2<<EOF`. */
export interface HeredocOperator {
  name: string;
  /** `<<-`: leading tabs are stripped from the body and from the terminator line. */
  chomp: boolean;
  fileDescriptor: number;
}

// BuildKit's heredoc word pattern: optional fd digits, `<<`, optional `-`, then no further `<`.
const HEREDOC_WORD = /^(\d*)<<(-?)([^<]*)$/;

/**
 * Splits a line into words as BuildKit does before it looks for heredocs: on blanks outside
 * quotes, keeping quotes, escapes and `${…}` in the words.
 */
export function splitRawWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  while (i < line.length) {
    const ch = line[i]!;
    if (ch === ' ' || ch === '\t') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i++;
      continue;
    }
    const end = rawTokenEnd(line, i);
    word += line.slice(i, end);
    inWord = true;
    i = end;
  }
  if (inWord) words.push(word);
  return words;
}

/** Returns the index after the quoted string, escape pair, `${…}` or single character at `start`. */
function rawTokenEnd(line: string, start: number): number {
  const ch = line[start];
  if (ch === '\\') return Math.min(start + 2, line.length);
  if (ch === "'") {
    const close = line.indexOf("'", start + 1);
    return close === -1 ? line.length : close + 1;
  }
  if (ch === '"') {
    let i = start + 1;
    while (i < line.length && line[i] !== '"') i += line[i] === '\\' ? 2 : 1;
    return Math.min(i + 1, line.length);
  }
  if (ch === '$' && line[start + 1] === '{') {
    const close = line.indexOf('}', start + 2);
    return close === -1 ? line.length : close + 1;
  }
  return start + 1;
}

/**
 * Reads one raw word as a heredoc operator. Returns undefined when the word is not one: no
 * name after `<<`, or a name that is more than one word.
 */
export function parseHeredocOperator(word: string): HeredocOperator | undefined {
  const match = HEREDOC_WORD.exec(word);
  if (!match) return undefined;
  const rest = match[3] ?? '';
  if (rest === '') return undefined;

  const words = unquoteWords(rest);
  if (words.length !== 1) return undefined;
  return { name: words[0]!, chomp: match[2] === '-', fileDescriptor: Number(match[1] || '0') };
}

/** Lists the heredoc operators of an instruction line, in order. */
export function findHeredocOperators(line: string): HeredocOperator[] {
  const found: HeredocOperator[] = [];
  for (const word of splitRawWords(line)) {
    const operator = parseHeredocOperator(word);
    if (operator) found.push(operator);
  }
  return found;
}

/** Splits on blanks and removes quotes and backslash escapes, without expanding variables. */
function unquoteWords(text: string): string[] {
  return splitRawWords(text).map((raw) => {
    let out = '';
    for (let i = 0; i < raw.length; ) {
      const end = rawTokenEnd(raw, i);
      const token = raw.slice(i, end);
      if (token.startsWith("'")) out += token.slice(1, token.endsWith("'") && token.length > 1 ? -1 : undefined);
      else if (token.startsWith('"')) out += token.slice(1, token.endsWith('"') && token.length > 1 ? -1 : undefined).replace(/\\(.)/g, '$1');
      else if (token.startsWith('\\')) out += token.slice(1);
      else out += token;
      i = end;
    }
    return out;
  });
}

/** The value of a variable, or undefined when it is unset. */
export type VariableLookup = (name: string) => string | undefined;

export interface Expansion {
  value: string;
  /** Variables read without a value where the result depends on one, sorted, without repeats. */
  unresolved: string[];
}

/**
 * Expands `$VAR`, `${VAR}`, `${VAR:-word}`, `${VAR-word}`, `${VAR:+word}`, `${VAR+word}`,
 * `${VAR:?msg}` and `${VAR?msg}` in one word, and removes quotes and escapes, as BuildKit's
 * shell lexer does for FROM and COPY operands. A plain expansion of an unset variable, or a
 * `?` form whose variable is unset, yields "" and lists the variable in `unresolved`; the
 * `-` and `+` forms are fully determined and list nothing.
 *
 * Pattern forms (`${VAR#p}`, `${VAR%p}`, `${VAR/p/r}`) are not evaluated: their variable is
 * listed in `unresolved` so the caller never acts on a guessed value.
 *
 * @throws InputError on an unterminated quote or `${`, on `${` nested more than
 *   MAX_EXPANSION_DEPTH deep, or when the value grows past MAX_EXPANSION_LENGTH characters.
 */
export function expandWord(word: string, lookup: VariableLookup, escapeCharacter = '\\'): Expansion {
  const expander = new WordExpander(word, lookup, escapeCharacter);
  const value = expander.readUntil(undefined);
  return { value, unresolved: [...expander.unresolved].sort() };
}

/** Deepest nesting of `${…}` expanded. Real Dockerfiles nest two or three; each level is a stack frame. */
export const MAX_EXPANSION_DEPTH = 100;
/** Longest expanded word, in characters: ARGs that repeat each other grow exponentially. */
export const MAX_EXPANSION_LENGTH = 1024 * 1024;

class WordExpander {
  readonly unresolved = new Set<string>();
  private position = 0;
  private depth = 0;
  /** Nonzero while reading a branch of `${…}` that is not taken: its variables do not count. */
  private skipping = 0;

  constructor(
    private readonly text: string,
    private readonly lookup: VariableLookup,
    private readonly escape: string,
  ) {}

  /** Reads until `stop` (not consumed) or the end of the text. */
  readUntil(stop: string | undefined): string {
    let out = '';
    while (this.position < this.text.length) {
      const ch = this.text[this.position]!;
      if (ch === stop) return out;
      if (ch === this.escape) {
        this.position++;
        if (this.position < this.text.length) out += this.text[this.position++];
        continue;
      }
      if (ch === "'") out += this.readSingleQuoted();
      else if (ch === '"') out += this.readDoubleQuoted();
      else if (ch === '$') out = this.checkLength(out + this.readDollar());
      else {
        out += ch;
        this.position++;
      }
    }
    if (stop !== undefined) throw this.syntaxError(`missing "${stop}"`);
    return out;
  }

  private readSingleQuoted(): string {
    const close = this.text.indexOf("'", this.position + 1);
    if (close === -1) throw this.syntaxError('unterminated single quote');
    const value = this.text.slice(this.position + 1, close);
    this.position = close + 1;
    return value;
  }

  private readDoubleQuoted(): string {
    let out = '';
    this.position++;
    while (this.position < this.text.length) {
      const ch = this.text[this.position]!;
      if (ch === '"') {
        this.position++;
        return out;
      }
      const next = this.text[this.position + 1];
      if (ch === this.escape && (next === '"' || next === '$' || next === this.escape)) {
        out += next;
        this.position += 2;
      } else if (ch === '$') {
        out = this.checkLength(out + this.readDollar());
      } else {
        out += ch;
        this.position++;
      }
    }
    throw this.syntaxError('unterminated double quote');
  }

  private readDollar(): string {
    this.position++;
    if (this.text[this.position] === '{') return this.readBraced();
    const name = this.readName();
    if (name === '') return '$';
    return this.plain(name);
  }

  private readName(): string {
    const match = /^[A-Za-z0-9_]+/.exec(this.text.slice(this.position));
    const name = match ? match[0] : '';
    this.position += name.length;
    return name;
  }

  private plain(name: string): string {
    const value = this.lookup(name);
    if (value === undefined) {
      this.note(name);
      return '';
    }
    return value;
  }

  private readBraced(): string {
    if (this.depth >= MAX_EXPANSION_DEPTH) {
      throw new InputError(`invalid word "${truncate(this.text)}": "\${" is nested more than ${MAX_EXPANSION_DEPTH} levels deep`, {
        hint: 'Split the expression into several ARG or ENV steps.',
      });
    }
    this.depth++;
    try {
      return this.readBracedBody();
    } finally {
      this.depth--;
    }
  }

  private readBracedBody(): string {
    this.position++;
    const name = this.readName();
    if (name === '') throw this.syntaxError('bad substitution: missing variable name after "${"');
    const next = this.text[this.position];
    if (next === '}') {
      this.position++;
      return this.plain(name);
    }

    const colon = next === ':';
    if (colon) this.position++;
    const operator = this.text[this.position];
    this.position++;
    const value = this.lookup(name);
    const isSet = colon ? value !== undefined && value !== '' : value !== undefined;

    switch (operator) {
      case '-':
        return this.branch(!isSet, value ?? '');
      case '+':
        return this.branch(isSet, '');
      case '?': {
        const result = this.branch(false, value ?? '');
        if (!isSet) this.note(name);
        return result;
      }
      default:
        // `#`, `%`, `/` and substring forms: read past them, but never guess the result.
        this.skipping++;
        this.readUntil('}');
        this.skipping--;
        this.position++;
        this.note(name);
        return '';
    }
  }

  /** Reads the word of `${VAR<op>word}`; returns it when `take`, else `otherwise`. */
  private branch(take: boolean, otherwise: string): string {
    if (!take) this.skipping++;
    const word = this.readUntil('}');
    if (!take) this.skipping--;
    this.position++;
    return take ? word : otherwise;
  }

  private note(name: string): void {
    if (this.skipping === 0) this.unresolved.add(name);
  }

  private checkLength(value: string): string {
    if (value.length <= MAX_EXPANSION_LENGTH) return value;
    throw new InputError(`invalid word "${truncate(this.text)}": its expansion is longer than ${MAX_EXPANSION_LENGTH} characters`, {
      hint: 'Check ARG and ENV values that repeat other variables.',
    });
  }

  private syntaxError(reason: string): InputError {
    return new InputError(`invalid word "${truncate(this.text)}": ${reason}`, {
      hint: 'Close every quote and every "${", as a POSIX shell expects.',
    });
  }
}
