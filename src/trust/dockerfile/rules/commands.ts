import { posix } from 'node:path';
import { allCommands, allPipelines, type ShellCommand, type ShellWord } from '../shell.js';
import type { RunScript } from './types.js';

/** A simple command with assignments and wrappers such as `sudo` or `env` stripped. */
export interface EffectiveCommand {
  /** Base name of the program: `apt-get`, `sh` (from `/bin/sh`). */
  name: string;
  args: ShellWord[];
  /** Wrappers removed in front of it, in order: `sudo`, `env`. */
  wrappers: string[];
  command: ShellCommand;
}

export const SHELLS = new Set(['sh', 'bash', 'dash', 'ash', 'zsh', 'ksh', 'mksh']);

/** Wrapper programs and the options of each that take a value. */
const WRAPPERS: Record<string, Set<string>> = {
  sudo: new Set(['-u', '-g', '-C', '-D', '-h', '-p', '-r', '-t', '-U', '-T', '--user', '--group', '--chdir']),
  env: new Set(['-u', '-C', '-S', '--unset', '--chdir', '--split-string']),
  nice: new Set(['-n', '--adjustment']),
  nohup: new Set(),
  time: new Set(['-f', '-o']),
  command: new Set(),
  exec: new Set(['-a']),
  eatmydata: new Set(),
  timeout: new Set(['-k', '-s', '--kill-after', '--signal']),
  stdbuf: new Set(['-i', '-o', '-e']),
};

const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;
/** Reserved words that can start a command list: the command after them is the one that runs. */
const RESERVED_WORDS = new Set(['if', 'then', 'else', 'elif', 'do', 'while', 'until', '!', '{']);

/** Strips leading `NAME=value` words, reserved words such as `if`, and wrapper programs from a command. */
export function effectiveCommand(command: ShellCommand): EffectiveCommand | undefined {
  const words = [...command.words];
  const wrappers: string[] = [];
  while (words.length > 0) {
    const first = words[0]!.value;
    if (ASSIGNMENT.test(first) || RESERVED_WORDS.has(first)) {
      words.shift();
      continue;
    }
    const name = posix.basename(first);
    const valued = WRAPPERS[name];
    if (valued === undefined) break;
    wrappers.push(name);
    words.shift();
    skipWrapperOptions(words, valued, name === 'timeout');
  }
  const first = words.shift();
  if (!first) return undefined;
  let name = posix.basename(first.value);
  // `busybox wget …` and `busybox sh` run the applet named by the first argument.
  if (name === 'busybox' && words.length > 0) name = posix.basename(words.shift()!.value);
  return { name, args: words, wrappers, command };
}

function skipWrapperOptions(words: ShellWord[], valued: Set<string>, takesDuration: boolean): void {
  while (words.length > 0) {
    const word = words[0]!.value;
    if (word === '--') {
      words.shift();
      break;
    }
    if (ASSIGNMENT.test(word)) {
      words.shift();
      continue;
    }
    if (!word.startsWith('-') || word === '-') break;
    words.shift();
    if (valued.has(word)) words.shift();
  }
  if (takesDuration && words.length > 0) words.shift();
}

/** Every command of every RUN script, with the script it came from. */
export function* commandsOf(scripts: RunScript[]): Generator<{ command: EffectiveCommand; run: RunScript }> {
  for (const run of scripts) {
    for (const raw of allCommands(run.script)) {
      const command = effectiveCommand(raw);
      if (command) yield { command, run };
    }
  }
}

/** Every pipeline of every RUN script, each command reduced to its effective form. */
export function* pipelinesOf(scripts: RunScript[]): Generator<{ pipeline: Array<EffectiveCommand | undefined>; run: RunScript }> {
  for (const run of scripts) {
    for (const pipeline of allPipelines(run.script)) yield { pipeline: pipeline.map(effectiveCommand), run };
  }
}

/**
 * Splits arguments into options and operands. `valued` lists options that take the next word
 * as their value (`-o`, `--option`); `--name=value` forms carry their own.
 */
export function splitOptions(args: ShellWord[], valued: Set<string>): { options: string[]; operands: ShellWord[] } {
  const options: string[] = [];
  const operands: ShellWord[] = [];
  for (let i = 0; i < args.length; i++) {
    const value = args[i]!.value;
    if (value === '--') {
      operands.push(...args.slice(i + 1));
      break;
    }
    if (value.startsWith('-') && value !== '-') {
      options.push(value);
      if (valued.has(value) && i + 1 < args.length) options.push(args[++i]!.value);
      continue;
    }
    operands.push(args[i]!);
  }
  return { options, operands };
}

/** Reports whether a short-option cluster (`-fsSL`) or a long option list contains `letter` or `long`. */
export function hasOption(options: string[], letter: string | undefined, long: string[]): boolean {
  return options.some((option) => {
    if (option.startsWith('--')) return long.some((name) => option === name || option.startsWith(`${name}=`));
    return letter !== undefined && /^-[A-Za-z]+$/.test(option) && option.includes(letter);
  });
}

/** Describes where a finding comes from, for messages: "RUN" or "ONBUILD RUN". */
export function runLabel(run: RunScript): string {
  return run.onbuild ? 'ONBUILD RUN' : 'RUN';
}

/** Lists up to `max` names for a message, with a count of the rest. */
export function listNames(names: string[], max = 5): string {
  const listed = names.slice(0, max).join(', ');
  if (names.length <= max) return listed;
  return `${listed} and ${names.length - max} more`;
}
