import { flagValue, withKeyword } from '../instruction.js';
import { commandsOf, runLabel, splitOptions, type EffectiveCommand } from './commands.js';
import type { AuditRule, RuleHit } from './types.js';

/**
 * Reports whether a chmod mode grants write to others. Octal modes with the sticky bit (`1777`, as on
 * /tmp) are left out, because that is the usual, safe mode for a shared directory. Symbolic clauses
 * count only with `o` or `a`, since `+w` alone is masked by the umask.
 */
export function isWorldWritable(mode: string): boolean {
  if (/^[0-7]{1,4}$/.test(mode)) {
    const digits = mode.padStart(4, '0');
    const sticky = (Number(digits[0]) & 1) === 1;
    return !sticky && (Number(digits[3]) & 2) === 2;
  }
  return mode.split(',').some((clause) => {
    const match = /^([ugoa]*)([-+=][rwxXst]*)+$/.exec(clause);
    if (!match) return false;
    const classes = match[1] ?? '';
    const grants = [...clause.slice(classes.length).matchAll(/([-+=])([rwxXst]*)/g)].some((op) => op[1] !== '-' && op[2]!.includes('w'));
    return grants && (classes.includes('o') || classes.includes('a'));
  });
}

/** Returns the mode a command sets: `chmod MODE`, `mkdir -m MODE`, `install -m MODE`. */
function modeOf(command: EffectiveCommand): string | undefined {
  if (command.name === 'chmod') {
    const { operands } = splitOptions(command.args, new Set(['--reference']));
    // `chmod -w file` is a mode, not an option, but it only removes bits.
    return operands[0]?.value;
  }
  if (command.name !== 'mkdir' && command.name !== 'install') return undefined;
  for (let i = 0; i < command.args.length; i++) {
    const value = command.args[i]!.value;
    if (value === '-m' || value === '--mode') return command.args[i + 1]?.value;
    if (value.startsWith('--mode=')) return value.slice('--mode='.length);
    if (/^-m\d+$/.test(value)) return value.slice(2);
  }
  return undefined;
}

export const worldWritableRule: AuditRule = {
  id: 'BOSUN-DF007',
  severity: 'medium',
  why: 'Any user in the container, including a compromised low-privilege process, can change world-writable files, for example to plant code that root runs later.',
  check(context) {
    const hits: RuleHit[] = [];
    for (const { command, run } of commandsOf(context.scripts)) {
      const mode = modeOf(command);
      if (mode === undefined || !isWorldWritable(mode)) continue;
      hits.push({ line: run.lineAt(command.command.offset), message: `${runLabel(run)} makes files world-writable with ${command.name} ${mode}` });
    }
    for (const { instruction, inheritedTrigger } of context.instructions) {
      if (inheritedTrigger) continue;
      const copy = withKeyword(instruction, 'COPY', 'ADD');
      const mode = copy ? flagValue(copy, 'chmod') : undefined;
      if (copy && mode !== undefined && isWorldWritable(mode)) {
        hits.push({ line: copy.line, message: `${copy.keyword} --chmod=${mode} makes the copied files world-writable` });
      }
    }
    return hits;
  },
};

export const sudoRule: AuditRule = {
  id: 'BOSUN-DF010',
  severity: 'low',
  why: 'RUN already runs as the current USER; sudo in an image means a sudo binary and sudoers rules ship in it, which lets a process inside regain root.',
  check(context) {
    const hits: RuleHit[] = [];
    for (const { command, run } of commandsOf(context.scripts)) {
      if (!command.wrappers.includes('sudo')) continue;
      hits.push({ line: run.lineAt(command.command.offset), message: `${runLabel(run)} runs ${command.name} through sudo` });
    }
    return hits;
  },
};

export const insecureRunRule: AuditRule = {
  id: 'BOSUN-DF014',
  severity: 'medium',
  why: 'RUN --security=insecure runs the step with all capabilities and no sandbox, so the step can affect the build host.',
  check(context) {
    return context.scripts
      .filter((run) => flagValue(run.instruction, 'security') === 'insecure')
      .map((run) => ({ line: run.instruction.line, message: `${runLabel(run)} uses --security=insecure` }));
  },
};

export const outsideContextRule: AuditRule = {
  id: 'BOSUN-DF015',
  severity: 'medium',
  why: 'A source path with ".." reads as if outside the build context, but BuildKit stops at the context root and copies a file from inside it, which is rarely what the author meant.',
  check(context) {
    return context.contextFiles
      .filter((source) => source.outsideContext)
      .map((source) => ({ line: source.line, message: `${source.instruction} source climbs above the build context; BuildKit reads ${source.source} instead` }));
  },
};
