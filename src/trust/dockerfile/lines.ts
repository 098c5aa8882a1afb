import { InputError } from '../../common/errors.js';
import { findHeredocOperators } from './words.js';

/**
 * Splits a Dockerfile into logical instructions the way BuildKit's parser does
 * (moby/buildkit frontend/dockerfile/parser/parser.go): parser directives, line continuations,
 * comment and blank lines inside continued instructions, and heredoc bodies.
 *
 * dockerfile-ast 0.7 gets some of these wrong, so its parser only ever sees one logical
 * instruction at a time (see instruction.ts). Cases it mishandles: a heredoc body line ending
 * in the escape character swallows the terminator, `2<<EOF` is not seen as a heredoc, and an
 * unterminated heredoc is accepted.
 */

export interface HeredocBody {
  name: string;
  chomp: boolean;
  fileDescriptor: number;
  /** The body as BuildKit passes it on: each line with its newline, leading tabs kept. */
  body: string;
  /** Line of the first body line (the terminator line when the body is empty). */
  bodyLine: number;
  /** Line of the terminator. */
  endLine: number;
}

export interface LogicalLine {
  /** The instruction with continuations joined and comment lines dropped, as BuildKit sees it. */
  text: string;
  line: number;
  /** Last line, including heredoc bodies. */
  endLine: number;
  heredocs: HeredocBody[];
  /** Start offsets in `text` of each joined physical line, with that line's number. */
  segments: Array<{ offset: number; line: number }>;
  /** Whether a blank line sat inside the continuation (BuildKit warns; a future release rejects it). */
  emptyContinuationLine: boolean;
}

export interface SplitDockerfile {
  escapeCharacter: '\\' | '`';
  /** Parser directives by lowercase name: `escape`, `syntax`, `check`. */
  directives: Record<string, string>;
  lines: LogicalLine[];
}

const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;
const KNOWN_DIRECTIVES = new Set(['escape', 'syntax', 'check']);
const HEREDOC_INSTRUCTIONS = new Set(['run', 'copy', 'add']);
const LEADING_FLAGS = /^(?:\s*--(?:[^\s"']|"[^"]*"|'[^']*')*)*\s*/;

/** Returns the line number of a character offset in a logical line's joined text. */
export function lineAtOffset(logical: Pick<LogicalLine, 'segments' | 'line'>, offset: number): number {
  let line = logical.line;
  for (const segment of logical.segments) {
    if (segment.offset > offset) break;
    line = segment.line;
  }
  return line;
}

/**
 * Splits `text` into logical instructions.
 *
 * @throws InputError for an invalid or repeated parser directive and an unterminated heredoc.
 */
export function splitDockerfile(text: string): SplitDockerfile {
  const physical = text.replace(/^\uFEFF/, '').split('\n');
  // A final newline ends the last line; it does not start an empty one.
  if (physical.length > 1 && physical[physical.length - 1] === '') physical.pop();

  const reader = new LineReader(physical);
  const directives = readDirectives(reader);
  const escape = directives['escape'] ?? '\\';
  if (escape !== '\\' && escape !== '`') {
    throw new InputError(`invalid escape directive "${escape}" on line 1`, { hint: 'Use "# escape=\\" or "# escape=`".' });
  }

  const continuation = continuationPattern(escape);
  const lines: LogicalLine[] = [];
  while (reader.hasNext()) {
    const logical = readLogicalLine(reader, continuation);
    if (logical) lines.push(logical);
  }
  return { escapeCharacter: escape, directives, lines };
}

class LineReader {
  /** Number of lines consumed so far, which is the 1-based number of the last one read. */
  consumed = 0;

  constructor(private readonly lines: string[]) {}

  hasNext(): boolean {
    return this.consumed < this.lines.length;
  }

  peek(): string {
    return trimNewline(this.lines[this.consumed] ?? '');
  }

  /** Returns the next line with its line ending removed. */
  next(): string {
    return trimNewline(this.lines[this.consumed++] ?? '');
  }
}

function trimNewline(line: string): string {
  return line.replace(/[\r\n]+$/, '');
}

/**
 * Reads parser directives: lines of the form `# name=value` at the very top. The first line
 * that is not a known directive ends them, and stays unread.
 */
function readDirectives(reader: LineReader): Record<string, string> {
  const directives: Record<string, string> = {};
  while (reader.hasNext()) {
    const match = DIRECTIVE.exec(reader.peek().trimStart());
    const name = match?.[1]?.toLowerCase();
    if (!match || name === undefined || !KNOWN_DIRECTIVES.has(name)) break;
    if (name in directives) {
      throw new InputError(`parser directive "${name}" is repeated on line ${reader.consumed + 1}`, {
        hint: 'Keep one line per directive at the top of the Dockerfile.',
      });
    }
    directives[name] = match[2] ?? '';
    reader.next();
  }
  return directives;
}

/**
 * BuildKit's continuation rule: the escape character, then only blanks, at the end of a line,
 * and not itself preceded by the escape character (so `\\` at the end is no continuation).
 */
function continuationPattern(escape: string): RegExp {
  const e = escape === '\\' ? '\\\\' : escape;
  return new RegExp(`([^${e}])${e}[ \\t]*$|^${e}[ \\t]*$`);
}

function isComment(line: string): boolean {
  return line.trimStart().startsWith('#');
}

function readLogicalLine(reader: LineReader, continuation: RegExp): LogicalLine | undefined {
  const first = reader.next().trimStart();
  const line = reader.consumed;
  if (isComment(first)) return undefined;

  let { text: joined, continues } = trimContinuation(first, continuation);
  if (!continues && joined.trim() === '') return undefined;

  const segments = [{ offset: 0, line }];
  let emptyContinuationLine = false;
  while (continues && reader.hasNext()) {
    const raw = reader.next();
    if (isComment(raw)) continue;
    if (raw.trim() === '') {
      emptyContinuationLine = true;
      continue;
    }
    segments.push({ offset: joined.length, line: reader.consumed });
    const piece = trimContinuation(raw, continuation);
    joined += piece.text;
    continues = piece.continues;
  }

  const heredocs = canContainHeredoc(joined) ? readHeredocBodies(reader, joined, line) : [];
  return { text: joined, line, endLine: reader.consumed, heredocs, segments, emptyContinuationLine };
}

function trimContinuation(text: string, continuation: RegExp): { text: string; continues: boolean } {
  if (!continuation.test(text)) return { text, continues: false };
  return { text: text.replace(continuation, '$1'), continues: true };
}

/**
 * Heredocs are read for RUN, COPY and ADD, and for those as ONBUILD triggers, unless the
 * instruction is in JSON (exec) form.
 */
function canContainHeredoc(text: string): boolean {
  let [keyword, rest] = splitKeyword(text);
  if (keyword === 'onbuild') [keyword, rest] = splitKeyword(rest);
  if (!HEREDOC_INSTRUCTIONS.has(keyword)) return false;
  return !isJsonForm(rest.replace(LEADING_FLAGS, ''));
}

function splitKeyword(text: string): [string, string] {
  const match = /^\s*(\S+)\s*([\s\S]*)$/.exec(text);
  return match ? [match[1]!.toLowerCase(), match[2] ?? ''] : ['', ''];
}

/** Whether instruction arguments are a JSON array of strings, which BuildKit runs without a shell. */
export function isJsonForm(args: string): boolean {
  const trimmed = args.trim();
  if (!trimmed.startsWith('[')) return false;
  try {
    const value: unknown = JSON.parse(trimmed);
    return Array.isArray(value) && value.every((item) => typeof item === 'string');
  } catch {
    return false;
  }
}

function readHeredocBodies(reader: LineReader, text: string, startLine: number): HeredocBody[] {
  const bodies: HeredocBody[] = [];
  for (const operator of findHeredocOperators(text)) {
    const bodyLine = reader.consumed + 1;
    let body = '';
    let terminated = false;
    while (reader.hasNext()) {
      const raw = reader.next();
      const candidate = operator.chomp ? raw.replace(/^\t+/, '') : raw;
      if (candidate === operator.name) {
        terminated = true;
        break;
      }
      body += `${raw}\n`;
    }
    if (!terminated) {
      throw new InputError(`unterminated heredoc "${operator.name}" started on line ${startLine}`, {
        hint: `End the heredoc with a line that contains only "${operator.name}".`,
      });
    }
    bodies.push({ ...operator, body, bodyLine, endLine: reader.consumed });
  }
  return bodies;
}
