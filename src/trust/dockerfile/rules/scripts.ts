import { posix } from 'node:path';
import { withKeyword, type ParsedInstruction } from '../instruction.js';
import type { HeredocBody } from '../lines.js';
import { allCommands, parseShell, type ShellCommand, type ShellScript } from '../shell.js';
import type { StagedInstruction } from '../stages.js';
import { effectiveCommand, hasOption, SHELLS, splitOptions } from './commands.js';
import type { RunScript } from './types.js';

/** Depth to which nested `sh -c "sh -c '…'"` scripts are read. */
const MAX_NESTED_SHELLS = 4;

/**
 * Builds the scripts that RUN instructions and ONBUILD RUN triggers execute. Triggers copied
 * into a child stage are skipped, so each finding is reported once, at its own line.
 */
export function buildRunScripts(instructions: StagedInstruction[]): RunScript[] {
  const scripts: RunScript[] = [];
  for (const { instruction, stage, inheritedTrigger } of instructions) {
    if (inheritedTrigger) continue;
    const run = withKeyword(instruction, 'RUN');
    if (!run) continue;
    scripts.push({ ...scriptOf(run), instruction: run, stage, onbuild: run !== instruction });
  }
  return scripts;
}

function scriptOf(run: ParsedInstruction): Pick<RunScript, 'script' | 'lineAt'> {
  if (run.json) return execFormScript(run.json, run.line);

  // Heredoc bodies get offsets past the command text, one stride each, so that one offset
  // space maps to lines of the command and of every body.
  const stride = Math.max(run.text.length, ...run.heredocs.map((h) => h.body.length)) + 1;
  const lineAt = (offset: number): number => {
    const index = Math.floor(offset / stride) - 1;
    const heredoc = run.heredocs[index];
    if (!heredoc) return run.lineAt(offset);
    const before = heredoc.body.slice(0, offset - stride * (index + 1));
    return heredoc.bodyLine + (before.match(/\n/g)?.length ?? 0);
  };

  const script = parseShell(run.argsText, run.argsOffset);
  attachHeredocBodies(script, run.heredocs, stride);
  expandShellArguments(script, 0);
  return { script, lineAt };
}

/** `RUN ["sh", "-c", "…"]` runs a script; other exec forms run one command. */
function execFormScript(argv: string[], line: number): Pick<RunScript, 'script' | 'lineAt'> {
  const words = argv.map((value) => ({ value, offset: 0, substitutions: [] }));
  const script: ShellScript = { pipelines: [[{ words, heredocs: [], offset: 0 }]] };
  expandShellArguments(script, 0);
  return { script, lineAt: () => line };
}

/**
 * BuildKit feeds a heredoc body to the command that names it. The body is a script when that
 * command is a shell reading stdin, or when the RUN is just `<<EOF` and the body has no
 * shebang naming another interpreter.
 */
function attachHeredocBodies(script: ShellScript, bodies: HeredocBody[], stride: number): void {
  const unused = bodies.map((body, index) => ({ body, base: stride * (index + 1), used: false }));
  for (const command of script.pipelines.flat()) {
    for (const heredoc of command.heredocs) {
      const match = unused.find((entry) => !entry.used && entry.body.name === heredoc.name);
      if (!match) continue;
      match.used = true;
      if (runsAsScript(command, match.body.body)) heredoc.body = parseShell(match.body.body, match.base);
    }
  }
}

function runsAsScript(command: ShellCommand, body: string): boolean {
  if (command.words.length === 0) {
    const shebang = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(body);
    if (!shebang) return true;
    const interpreter = posix.basename(shebang[1]!) === 'env' ? shebang[2] ?? '' : posix.basename(shebang[1]!);
    return SHELLS.has(interpreter);
  }
  const effective = effectiveCommand(command);
  return effective !== undefined && SHELLS.has(effective.name) && shellScriptArgument(effective.args) === undefined;
}

/** Returns the script word of `sh -c SCRIPT`, or undefined when the shell has no `-c`. */
export function shellScriptArgument(args: ShellCommand['words']): ShellCommand['words'][number] | undefined {
  const { options, operands } = splitOptions(args, new Set(['-o', '-O', '+o', '+O']));
  if (!hasOption(options, 'c', [])) return undefined;
  return operands[0];
}

/** Parses the SCRIPT of every `sh -c SCRIPT` as a nested script of that word. */
function expandShellArguments(script: ShellScript, depth: number): void {
  if (depth >= MAX_NESTED_SHELLS) return;
  for (const command of allCommands(script)) {
    const effective = effectiveCommand(command);
    if (!effective || !SHELLS.has(effective.name)) continue;
    const word = shellScriptArgument(effective.args);
    if (!word) continue;
    const nested = parseShell(word.value, word.offset);
    word.substitutions.push(nested);
    expandShellArguments(nested, depth + 1);
  }
}
