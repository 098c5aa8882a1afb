/**
 * A small POSIX shell reader for audit rules: it splits a script into pipelines of simple
 * commands, removes quotes, drops redirections, and keeps command substitutions (`$(…)`,
 * backticks, `<(…)`) and heredoc bodies as nested scripts. It never executes anything and does
 * not expand variables. Offsets are character offsets in the text the caller passed, plus
 * `baseOffset`.
 */

export interface ShellWord {
  /** The word with quotes and escapes removed; substitutions stay as written. */
  value: string;
  offset: number;
  /** Scripts inside `$(…)`, backticks or `<(…)` within this word. */
  substitutions: ShellScript[];
}

export interface ShellHeredoc {
  name: string;
  /** The body, when the script text contains it (heredocs inside a RUN heredoc body). */
  body?: ShellScript;
}

export interface ShellCommand {
  words: ShellWord[];
  heredocs: ShellHeredoc[];
  offset: number;
}

export interface ShellScript {
  /** Commands joined by `|` or `|&` form one pipeline; `;`, `&&`, `||`, `&` and newlines end it. */
  pipelines: ShellCommand[][];
}

/** Parses a script. Unbalanced quotes or parentheses end the word at the end of the text. */
export function parseShell(script: string, baseOffset = 0): ShellScript {
  return new ShellReader(script, baseOffset).read();
}

/** Lists every simple command of a script, nested substitutions and heredoc bodies included. */
export function allCommands(script: ShellScript): ShellCommand[] {
  const out: ShellCommand[] = [];
  for (const pipeline of script.pipelines) {
    for (const command of pipeline) {
      out.push(command);
      for (const word of command.words) for (const nested of word.substitutions) out.push(...allCommands(nested));
      for (const heredoc of command.heredocs) if (heredoc.body) out.push(...allCommands(heredoc.body));
    }
  }
  return out;
}

/** Lists every pipeline of a script, nested ones included. */
export function allPipelines(script: ShellScript): ShellCommand[][] {
  const out: ShellCommand[][] = [...script.pipelines];
  for (const command of script.pipelines.flat()) {
    for (const word of command.words) for (const nested of word.substitutions) out.push(...allPipelines(nested));
    for (const heredoc of command.heredocs) if (heredoc.body) out.push(...allPipelines(heredoc.body));
  }
  return out;
}

type Redirect = 'target' | 'heredoc' | 'heredoc-chomp';

class ShellReader {
  private position = 0;
  private readonly pipelines: ShellCommand[][] = [];
  private pipeline: ShellCommand[] = [];
  private command: ShellCommand = { words: [], heredocs: [], offset: -1 };
  private word: ShellWord | undefined;
  private redirect: Redirect | undefined;
  /** Set after `|`, `&&` or `||`: a newline there does not end the command list. */
  private expectingCommand = false;
  private readonly pendingHeredocs: Array<{ heredoc: ShellHeredoc; chomp: boolean }> = [];

  constructor(
    private readonly text: string,
    private readonly base: number,
  ) {}

  read(): ShellScript {
    while (this.position < this.text.length) this.step();
    this.endPipeline();
    return { pipelines: this.pipelines };
  }

  private step(): void {
    const ch = this.text[this.position]!;
    const next = this.text[this.position + 1];
    if (ch === ' ' || ch === '\t' || ch === '\r') return this.skip(1, () => this.endWord());
    if (ch === '\n') return this.newline();
    if (ch === '#' && this.word === undefined) return this.comment();
    if (ch === ';') return this.skip(next === ';' ? 2 : 1, () => this.endPipeline());
    if (ch === '|') return this.pipe(next);
    if (ch === '&') return this.ampersand(next);
    if (ch === '(' || ch === ')') return this.skip(1, () => this.endCommand());
    if ((ch === '<' || ch === '>') && next === '(' && this.word === undefined) return this.processSubstitution();
    if (ch === '<' || ch === '>') return this.redirection();
    this.wordPart();
  }

  private skip(count: number, action: () => void): void {
    action();
    this.position += count;
  }

  private newline(): void {
    this.endWord();
    if (!this.expectingCommand) this.endPipeline();
    this.position++;
    this.readPendingHeredocs();
  }

  private comment(): void {
    const end = this.text.indexOf('\n', this.position);
    this.position = end === -1 ? this.text.length : end;
  }

  private pipe(next: string | undefined): void {
    if (next === '|') {
      this.endPipeline();
      this.position += 2;
    } else {
      this.endCommand();
      this.position += next === '&' ? 2 : 1;
    }
    this.expectingCommand = true;
  }

  private ampersand(next: string | undefined): void {
    if (next === '>') {
      this.endWord();
      this.position += this.text[this.position + 2] === '>' ? 3 : 2;
      this.redirect = 'target';
      return;
    }
    this.endPipeline();
    this.position += next === '&' ? 2 : 1;
    if (next === '&') this.expectingCommand = true;
  }

  private redirection(): void {
    // A word of digits directly before the operator is a file descriptor, not an argument.
    if (this.word && /^\d+$/.test(this.word.value) && this.word.substitutions.length === 0) this.word = undefined;
    this.endWord();
    const rest = this.text.slice(this.position, this.position + 3);
    if (rest.startsWith('<<<')) this.setRedirect(3, 'target');
    else if (rest.startsWith('<<-')) this.setRedirect(3, 'heredoc-chomp');
    else if (rest.startsWith('<<')) this.setRedirect(2, 'heredoc');
    else if (/^(?:>>|>&|<&|>\||<>)/.test(rest)) this.setRedirect(2, 'target');
    else this.setRedirect(1, 'target');
  }

  private setRedirect(length: number, kind: Redirect): void {
    this.position += length;
    this.redirect = kind;
  }

  private processSubstitution(): void {
    const close = findClosingParen(this.text, this.position + 2);
    const nested = parseShell(this.text.slice(this.position + 2, close), this.base + this.position + 2);
    this.appendToWord('/dev/fd/63', nested);
    this.position = Math.min(close + 1, this.text.length);
  }

  /** Reads one piece of a word: a quoted string, an escape, a substitution or a character. */
  private wordPart(): void {
    const ch = this.text[this.position]!;
    const next = this.text[this.position + 1];
    if (ch === '\\') {
      if (next === '\n') this.position += 2;
      else {
        this.appendToWord(next ?? '');
        this.position += 2;
      }
    } else if (ch === "'") {
      const close = this.text.indexOf("'", this.position + 1);
      const end = close === -1 ? this.text.length : close;
      this.appendToWord(this.text.slice(this.position + 1, end));
      this.position = end + 1;
    } else if (ch === '"') {
      this.doubleQuoted();
    } else if (ch === '$' || ch === '`') {
      this.dollarOrBacktick();
    } else {
      this.appendToWord(ch);
      this.position++;
    }
  }

  private doubleQuoted(): void {
    this.appendToWord('');
    this.position++;
    while (this.position < this.text.length && this.text[this.position] !== '"') {
      const ch = this.text[this.position]!;
      const next = this.text[this.position + 1];
      if (ch === '\\' && next !== undefined && '$`"\\\n'.includes(next)) {
        if (next !== '\n') this.appendToWord(next);
        this.position += 2;
      } else if (ch === '$' || ch === '`') {
        this.dollarOrBacktick();
      } else {
        this.appendToWord(ch);
        this.position++;
      }
    }
    this.position++;
  }

  private dollarOrBacktick(): void {
    const start = this.position;
    if (this.text[start] === '`') {
      let end = start + 1;
      while (end < this.text.length && this.text[end] !== '`') end += this.text[end] === '\\' ? 2 : 1;
      this.appendToWord(this.text.slice(start, end + 1), parseShell(this.text.slice(start + 1, end), this.base + start + 1));
      this.position = end + 1;
      return;
    }
    const next = this.text[start + 1];
    if (next === '(' && this.text[start + 2] !== '(') {
      const close = findClosingParen(this.text, start + 2);
      this.appendToWord(this.text.slice(start, close + 1), parseShell(this.text.slice(start + 2, close), this.base + start + 2));
      this.position = close + 1;
    } else if (next === '(' || next === '{') {
      // Arithmetic `$((…))` and parameter expansion `${…}` stay in the word as written.
      const close = next === '(' ? findClosingParen(this.text, start + 2) + 1 : this.text.indexOf('}', start);
      const end = close < 0 ? this.text.length : close;
      this.appendToWord(this.text.slice(start, end + 1));
      this.position = end + 1;
    } else {
      this.appendToWord('$');
      this.position++;
    }
  }

  private appendToWord(value: string, substitution?: ShellScript): void {
    if (!this.word) this.word = { value: '', offset: this.base + this.position, substitutions: [] };
    this.word.value += value;
    if (substitution) this.word.substitutions.push(substitution);
  }

  private endWord(): void {
    const word = this.word;
    this.word = undefined;
    if (!word) return;
    this.expectingCommand = false;
    if (this.redirect === undefined) {
      if (this.command.offset < 0) this.command.offset = word.offset;
      this.command.words.push(word);
      return;
    }
    if (this.redirect !== 'target') {
      const heredoc: ShellHeredoc = { name: word.value };
      this.command.heredocs.push(heredoc);
      if (this.command.offset < 0) this.command.offset = word.offset;
      this.pendingHeredocs.push({ heredoc, chomp: this.redirect === 'heredoc-chomp' });
    }
    this.redirect = undefined;
  }

  private endCommand(): void {
    this.endWord();
    if (this.command.words.length > 0 || this.command.heredocs.length > 0) this.pipeline.push(this.command);
    this.command = { words: [], heredocs: [], offset: -1 };
  }

  private endPipeline(): void {
    this.endCommand();
    if (this.pipeline.length > 0) this.pipelines.push(this.pipeline);
    this.pipeline = [];
    this.expectingCommand = false;
  }

  /** Reads the bodies of heredocs opened on the line that just ended. */
  private readPendingHeredocs(): void {
    for (const { heredoc, chomp } of this.pendingHeredocs.splice(0)) {
      const start = this.position;
      while (this.position < this.text.length) {
        const end = this.text.indexOf('\n', this.position);
        const lineEnd = end === -1 ? this.text.length : end;
        const line = this.text.slice(this.position, lineEnd);
        const bodyEnd = this.position;
        this.position = Math.min(lineEnd + 1, this.text.length);
        if ((chomp ? line.replace(/^\t+/, '') : line) === heredoc.name) {
          heredoc.body = parseShell(this.text.slice(start, bodyEnd), this.base + start);
          break;
        }
      }
    }
  }
}

/** Returns the index of the `)` that closes a group opened just before `start`, skipping quotes. */
function findClosingParen(text: string, start: number): number {
  let depth = 1;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\') i++;
    else if (ch === "'") {
      const close = text.indexOf("'", i + 1);
      i = close === -1 ? text.length : close;
    } else if (ch === '"') {
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    } else if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return i;
  }
  return text.length;
}
