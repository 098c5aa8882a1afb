import { Arg, DockerfileParser, Env, ModifiableInstruction, Onbuild, type Instruction } from 'dockerfile-ast';
import { InputError } from '../../common/errors.js';
import { isJsonForm, lineAtOffset, type HeredocBody, type LogicalLine } from './lines.js';

/**
 * One instruction, parsed by dockerfile-ast from its logical line alone. Offsets refer to
 * `text`, the joined logical line; `lineAt` maps them back to lines of the file.
 */
export interface ParsedInstruction {
  /** Uppercase keyword: `FROM`, `RUN`. */
  keyword: string;
  line: number;
  endLine: number;
  text: string;
  flags: InstructionFlag[];
  /** Arguments after the flags, split on blanks, quotes kept (dockerfile-ast `getArguments`). */
  args: string[];
  /** Arguments text after the flags, and its offset in `text`. */
  argsText: string;
  argsOffset: number;
  /** The arguments of the JSON (exec) form, when the instruction uses it. */
  json?: string[];
  /**
   * `ARG` and `ENV` pairs: `value` with quotes and escapes removed, `raw` as written, both
   * undefined for `ARG NAME`.
   */
  properties: Array<{ name: string; value: string | undefined; raw: string | undefined }>;
  heredocs: HeredocBody[];
  /** The trigger of an `ONBUILD`, parsed the same way. */
  trigger?: ParsedInstruction;
  lineAt(offset: number): number;
}

export interface InstructionFlag {
  name: string;
  /** Undefined for a flag with no `=`, such as `--link`. */
  value: string | undefined;
}

const KNOWN_KEYWORDS = new Set([
  'ADD', 'ARG', 'CMD', 'COPY', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'FROM', 'HEALTHCHECK', 'LABEL',
  'MAINTAINER', 'ONBUILD', 'RUN', 'SHELL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR',
]);

/**
 * Parses one logical line.
 *
 * @throws InputError for an unknown instruction keyword, as BuildKit rejects it.
 */
export function parseInstruction(logical: LogicalLine, escapeCharacter: string): ParsedInstruction {
  // The directive line makes dockerfile-ast use the same escape character; the instruction is
  // then on its line 1 and character offsets equal offsets in `logical.text`.
  const document = `# escape=${escapeCharacter}\n${logical.text}`;
  const parsed = DockerfileParser.parse(document).getInstructions()[0];
  if (!parsed) {
    throw new InputError(`line ${logical.line} holds no instruction`, { hint: 'Start each instruction with its keyword.' });
  }
  const lineAt = (offset: number): number => lineAtOffset(logical, offset);
  return fromAst(parsed, logical, lineAt);
}

function fromAst(parsed: Instruction, logical: LogicalLine, lineAt: (offset: number) => number): ParsedInstruction {
  const keyword = parsed.getKeyword().toUpperCase();
  if (!KNOWN_KEYWORDS.has(keyword)) {
    throw new InputError(`unknown instruction "${parsed.getInstruction()}" on line ${lineAt(0)}`, {
      hint: 'Check the spelling; a heredoc needs its "<<" directly before the name ("<<EOF", not "<< EOF").',
    });
  }

  const flags = parsed instanceof ModifiableInstruction ? readFlags(parsed) : [];
  const argsOffset = argumentsOffset(parsed, flags.length > 0);
  const argsText = logical.text.slice(argsOffset);
  const instruction: ParsedInstruction = {
    keyword,
    line: logical.line,
    endLine: logical.endLine,
    text: logical.text,
    flags: flags.map(({ name, value }) => ({ name, value })),
    args: parsed.getArguments().map((argument) => argument.getValue()),
    argsText,
    argsOffset,
    properties: readProperties(parsed),
    heredocs: logical.heredocs,
    lineAt,
  };
  if (isJsonForm(argsText) && keyword !== 'ONBUILD') instruction.json = JSON.parse(argsText.trim()) as string[];

  if (parsed instanceof Onbuild) {
    // dockerfile-ast gives the trigger's ranges in the same document, so offsets stay valid.
    const trigger = parsed.getTriggerInstruction();
    if (trigger) instruction.trigger = fromAst(trigger, logical, lineAt);
  }
  return instruction;
}

function readFlags(parsed: ModifiableInstruction): Array<{ name: string; value: string | undefined; end: number }> {
  return parsed.getFlags().map((flag) => ({
    name: flag.getName().toLowerCase(),
    value: flag.getValue() ?? undefined,
    end: flag.getRange().end.character,
  }));
}

/** Offset of the first character after the keyword and flags. */
function argumentsOffset(parsed: Instruction, hasFlags: boolean): number {
  let end = parsed.getInstructionRange().end.character;
  if (hasFlags && parsed instanceof ModifiableInstruction) {
    for (const flag of parsed.getFlags()) end = Math.max(end, flag.getRange().end.character);
  }
  return end;
}

function readProperties(parsed: Instruction): ParsedInstruction['properties'] {
  if (!(parsed instanceof Arg) && !(parsed instanceof Env)) return [];
  // dockerfile-ast names these the other way round: getValue() has quotes and escapes
  // removed, getUnescapedValue() is the text as written.
  return parsed.getProperties().map((property) => {
    const name = property.getName();
    const equals = name.indexOf('=');
    // A quoted pair (`ENV "KEY=value"`) reaches us as one name with the value inside it.
    if (equals > 0 && property.getValue() === null) {
      const value = name.slice(equals + 1);
      return { name: name.slice(0, equals), value, raw: value };
    }
    return { name, value: property.getValue() ?? undefined, raw: property.getUnescapedValue() ?? undefined };
  });
}

/** Returns the stage name of a FROM (`AS name`), as written, and the number of arguments. */
export function fromParts(instruction: ParsedInstruction): { image: string | undefined; stageName: string | undefined } {
  const args = instruction.args;
  if (args.length === 1) return { image: args[0], stageName: undefined };
  if (args.length === 3 && args[1]!.toLowerCase() === 'as') return { image: args[0], stageName: args[2] };
  throw new InputError(`FROM on line ${instruction.line} needs either one or three arguments, found ${args.length}`, {
    hint: 'Write "FROM image" or "FROM image AS name".',
  });
}

export function flagValue(instruction: ParsedInstruction, name: string): string | undefined {
  return instruction.flags.find((flag) => flag.name === name)?.value;
}

/**
 * Returns the instruction, or the trigger of an ONBUILD, when its keyword is one of `keywords`;
 * undefined otherwise.
 */
export function withKeyword(instruction: ParsedInstruction, ...keywords: string[]): ParsedInstruction | undefined {
  const inner = instruction.keyword === 'ONBUILD' ? instruction.trigger : instruction;
  if (inner === undefined || !keywords.includes(inner.keyword)) return undefined;
  return inner;
}
