import type { ShellWord } from '../shell.js';
import { allCommands } from '../shell.js';
import { expandedCopySources } from '../stages.js';
import { flagValue, withKeyword } from '../instruction.js';
import {
  commandsOf,
  effectiveCommand,
  hasOption,
  pipelinesOf,
  runLabel,
  SHELLS,
  splitOptions,
  type EffectiveCommand,
} from './commands.js';
import { shellScriptArgument } from './scripts.js';
import type { AuditRule, RuleHit } from './types.js';

/** Interpreters that run a program read from stdin when given no script argument. */
const STDIN_INTERPRETERS = new Set([...SHELLS, 'python', 'python2', 'python3', 'perl', 'ruby', 'node', 'php']);
/** Commands that run a file given as an argument, such as `<(curl …)`, in the current shell. */
const SOURCE_COMMANDS = new Set(['.', 'source', 'eval']);
const URL_SOURCE = /^(?:https?:\/\/|git@|git:\/\/)/i;

/** Reports whether the command writes a download to stdout: `curl URL` or `wget -O- URL`. */
export function downloadsToStdout(command: EffectiveCommand | undefined): boolean {
  if (!command) return false;
  const options = command.args.map((word) => word.value).filter((value) => value.startsWith('-'));
  if (command.name === 'curl') {
    const output = optionValue(command.args, 'o', '--output');
    const toFile = (output !== undefined && output !== '-' && output !== '/dev/stdout') || hasOption(options, 'O', ['--remote-name', '--remote-name-all']);
    return !toFile;
  }
  if (command.name === 'wget') {
    const output = optionValue(command.args, 'O', '--output-document');
    return output === '-' || output === '/dev/stdout';
  }
  return false;
}

/** Value of a short option that takes one (`-o FILE`, `-qO-`) or of its long form. */
function optionValue(args: ShellWord[], letter: string, long: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const value = args[i]!.value;
    if (value === long) return args[i + 1]?.value;
    if (value.startsWith(`${long}=`)) return value.slice(long.length + 1);
    const cluster = /^-([A-Za-z]+)(.*)$/.exec(value);
    if (!cluster || value.startsWith('--')) continue;
    const at = cluster[1]!.indexOf(letter);
    if (at === -1) continue;
    const rest = value.slice(2 + at);
    return rest !== '' ? rest : args[i + 1]?.value;
  }
  return undefined;
}

/** Reports whether the command runs code it reads from stdin: `sh`, `bash -s --`, `python3 -`. */
function executesStdin(command: EffectiveCommand | undefined): boolean {
  if (!command || !STDIN_INTERPRETERS.has(command.name)) return false;
  if (SHELLS.has(command.name) && shellScriptArgument(command.args) !== undefined) return false;
  const { options, operands } = splitOptions(command.args, new Set(['-o', '-O', '-m', '-W', '-X', '-r', '-I']));
  if (!SHELLS.has(command.name) && hasOption(options, undefined, ['--eval', '--print']) ) return false;
  if (!SHELLS.has(command.name) && options.some((option) => /^-[A-Za-z]*[ce]/.test(option) && !option.startsWith('--'))) return false;
  const first = operands[0]?.value;
  return first === undefined || first === '-' || first === '/dev/stdin' || hasOption(options, 's', []);
}

/** Reports whether a word is, or contains, a substitution that downloads: `$(curl …)`, `<(wget -O- …)`. */
function hasDownloadSubstitution(word: ShellWord): boolean {
  return word.substitutions.some((nested) => allCommands(nested).some((command) => downloadsToStdout(effectiveCommand(command))));
}

export const pipeToShellRule: AuditRule = {
  id: 'BOSUN-DF001',
  severity: 'high',
  why: 'The build runs whatever the server returns at build time, unverified: a compromised or spoofed host, or a changed script, runs as root in the image.',
  check(context) {
    const hits: RuleHit[] = [];
    for (const { pipeline, run } of pipelinesOf(context.scripts)) {
      const download = pipeline.findIndex(downloadsToStdout);
      if (download === -1) continue;
      const runner = pipeline.slice(download + 1).find(executesStdin);
      if (!runner) continue;
      const line = run.lineAt(pipeline[download]!.command.offset);
      hits.push({ line, message: `${runLabel(run)} pipes ${pipeline[download]!.name} output into ${runner.name}` });
    }
    // `sh -c "curl … | sh"` is also a shell whose argument contains a download, so report one hit per line.
    const reported = new Set(hits.map((hit) => hit.line));
    for (const { command, run } of commandsOf(context.scripts)) {
      const runsSubstitution = STDIN_INTERPRETERS.has(command.name) || SOURCE_COMMANDS.has(command.name);
      const line = run.lineAt(command.command.offset);
      if (!runsSubstitution || reported.has(line) || !command.args.some(hasDownloadSubstitution)) continue;
      hits.push({ line, message: `${runLabel(run)} runs a download with ${command.name} through a command substitution` });
    }
    return hits;
  },
};

export const addUrlWithoutChecksumRule: AuditRule = {
  id: 'BOSUN-DF002',
  severity: 'medium',
  why: 'Without --checksum the build accepts whatever the URL serves that day, so the image can change, or be tampered with, without any change to the Dockerfile.',
  check(context) {
    const hits: RuleHit[] = [];
    for (const staged of context.instructions) {
      if (staged.inheritedTrigger) continue;
      const add = withKeyword(staged.instruction, 'ADD');
      if (!add || flagValue(add, 'checksum') !== undefined) continue;
      for (const source of expandedCopySources(staged, add).filter((s) => URL_SOURCE.test(s))) {
        hits.push({ line: add.line, message: `ADD downloads ${source} without --checksum` });
      }
    }
    return hits;
  },
};

/** Options and settings that turn off TLS certificate or package signature checks. */
const INSECURE_OPTIONS: Record<string, { letter?: string; long: string[] }> = {
  curl: { letter: 'k', long: ['--insecure'] },
  wget: { long: ['--no-check-certificate'] },
  pip: { long: ['--trusted-host'] },
  pip3: { long: ['--trusted-host'] },
  apk: { long: ['--allow-untrusted'] },
  'apt-get': { long: ['--allow-unauthenticated', '--allow-insecure-repositories', '--force-yes'] },
  apt: { long: ['--allow-unauthenticated', '--allow-insecure-repositories'] },
  yum: { long: ['--nogpgcheck'] },
  dnf: { long: ['--nogpgcheck'] },
  microdnf: { long: ['--nogpgcheck'] },
};

/** Reports whether the words turn a TLS check off: `git -c http.sslVerify=false`, `npm config set strict-ssl false`. */
function setsVerificationOff(words: string[]): boolean {
  return words.some((word, i) => {
    const next = words[i + 1]?.toLowerCase();
    if (/^(?:http\.sslverify|--strict-ssl)=false$/i.test(word)) return true;
    if (/^(?:http\.sslverify|strict-ssl)$/i.test(word) && next === 'false') return true;
    return /^GIT_SSL_NO_VERIFY=./.test(word) || word === 'NODE_TLS_REJECT_UNAUTHORIZED=0';
  });
}

export const verificationDisabledRule: AuditRule = {
  id: 'BOSUN-DF013',
  severity: 'high',
  why: 'With certificate or signature checks off, anyone on the network path, or a rogue mirror, can swap what the build downloads or installs.',
  check(context) {
    const hits: RuleHit[] = [];
    for (const { command, run } of commandsOf(context.scripts)) {
      const insecure = INSECURE_OPTIONS[command.name];
      const options = command.args.map((word) => word.value).filter((value) => value.startsWith('-'));
      const flagged = insecure !== undefined && hasOption(options, insecure.letter, insecure.long);
      if (!flagged && !setsVerificationOff(command.command.words.map((word) => word.value))) continue;
      hits.push({ line: run.lineAt(command.command.offset), message: `${runLabel(run)} turns off certificate or signature checks in ${command.name}` });
    }
    for (const { instruction } of context.instructions) {
      if (instruction.keyword !== 'ENV') continue;
      for (const { name, value } of instruction.properties) {
        const off = (name === 'GIT_SSL_NO_VERIFY' && value !== '' && value !== undefined) || (name === 'NODE_TLS_REJECT_UNAUTHORIZED' && value === '0');
        if (off) hits.push({ line: instruction.line, message: `ENV ${name} turns off TLS certificate checks` });
      }
    }
    return hits;
  },
};
