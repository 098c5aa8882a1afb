import { interpolate, InterpolationError, type VariableLookup } from './interpolate.js';

/** One problem in a `.env` file, with its 1-based line. */
export class DotenvError extends Error {
  readonly line: number;

  constructor(message: string, line: number) {
    super(message);
    this.name = 'DotenvError';
    this.line = line;
  }
}

const KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/**
 * Parses a `.env` file as Docker Compose reads it: `KEY=VALUE` lines with an optional `export `
 * prefix, `#` comments, single quotes (literal), double quotes (escapes `\n`, `\t`, `\\`, `\"`,
 * may span lines) and unquoted values (trimmed, a ` #` starts a comment). Unquoted and double
 * quoted values are interpolated from the keys above them, then from `lookup`.
 *
 * @throws DotenvError naming the line of a malformed entry.
 */
export function parseDotenv(text: string, lookup: VariableLookup = () => undefined): Record<string, string> {
  const values: Record<string, string> = {};
  const resolve: VariableLookup = (name) => (Object.hasOwn(values, name) ? values[name] : lookup(name));
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);

  for (let index = 0; index < lines.length; index++) {
    const lineNumber = index + 1;
    const line = lines[index]!.trim();
    if (line === '' || line.startsWith('#')) continue;

    const entry = line.replace(/^export\s+/, '');
    const equals = entry.indexOf('=');
    if (equals === -1) throw new DotenvError(`expected KEY=VALUE, found "${entry.slice(0, 40)}"`, lineNumber);
    const key = entry.slice(0, equals).trim();
    if (!KEY_PATTERN.test(key)) throw new DotenvError(`invalid variable name "${key.slice(0, 40)}"`, lineNumber);

    const raw = entry.slice(equals + 1).trimStart();
    const quote = raw[0];
    if (quote === "'" || quote === '"') {
      const { text: quoted, endLine } = readQuoted(raw.slice(1), quote, lines, index, lineNumber);
      values[key] = quote === "'" ? quoted : expand(unescape(quoted), resolve, lineNumber);
      index = endLine;
    } else {
      values[key] = expand(raw.replace(/\s+#.*$/, '').trim(), resolve, lineNumber);
    }
  }
  return values;
}

/** Reads a quoted value that may continue on the following lines; returns it and the last line's index. */
function readQuoted(first: string, quote: string, lines: string[], index: number, lineNumber: number): { text: string; endLine: number } {
  let text = first;
  let lineIndex = index;
  for (;;) {
    const close = findClosingQuote(text, quote);
    if (close !== -1) {
      const trailing = text.slice(close + 1).trim();
      if (trailing !== '' && !trailing.startsWith('#')) throw new DotenvError(`unexpected text after the closing quote: "${trailing.slice(0, 40)}"`, lineIndex + 1);
      return { text: text.slice(0, close), endLine: lineIndex };
    }
    lineIndex += 1;
    if (lineIndex >= lines.length) throw new DotenvError(`missing closing ${quote} for the value that starts here`, lineNumber);
    text += `\n${lines[lineIndex]!}`;
  }
}

function findClosingQuote(text: string, quote: string): number {
  for (let index = 0; index < text.length; index++) {
    if (quote === '"' && text[index] === '\\') {
      index += 1;
      continue;
    }
    if (text[index] === quote) return index;
  }
  return -1;
}

function unescape(text: string): string {
  return text.replace(/\\([nrt"\\$])/g, (_match, character: string) => {
    switch (character) {
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      // `\$` keeps a literal dollar through interpolation, written as `$$`.
      case '$':
        return '$$';
      default:
        return character;
    }
  });
}

function expand(value: string, lookup: VariableLookup, lineNumber: number): string {
  try {
    return interpolate(value, lookup).value;
  } catch (error) {
    if (error instanceof InterpolationError) throw new DotenvError(error.message, lineNumber);
    throw error;
  }
}
