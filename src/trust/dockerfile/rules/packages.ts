import type { ShellWord } from '../shell.js';
import { commandsOf, hasOption, listNames, runLabel, splitOptions, type EffectiveCommand } from './commands.js';
import type { AuditRule, RuleHit } from './types.js';

/**
 * Package-manager installs read from RUN scripts. Each manager lists the options that take a
 * value, so that a value (`apk add --virtual .deps …`) is never taken for a package name.
 */
interface Install {
  manager: string;
  /** Package operands, variables and local files left out. */
  packages: string[];
  /** The packages without a pinned version. */
  unpinned: string[];
  options: string[];
  command: EffectiveCommand;
}

interface Manager {
  names: string[];
  subcommands: string[];
  valued: string[];
  /** Whether an operand names a package at an exact version (or range, where stated). */
  pinned(operand: string): boolean;
  /** Whether an operand is a local file, URL or group rather than a package from a repository. */
  notAPackage?(operand: string): boolean;
  /** Extra condition on the options, such as `npm install -g`. */
  applies?(options: string[]): boolean;
}

const LOCAL_OR_REMOTE = /^(?:\.|\/|~)|:\/\//;

const MANAGERS: Manager[] = [
  {
    names: ['apt-get', 'apt', 'aptitude'],
    subcommands: ['install'],
    valued: ['-o', '-t', '-c', '--option', '--target-release', '--default-release', '--config-file'],
    pinned: (operand) => operand.includes('='),
    notAPackage: (operand) => LOCAL_OR_REMOTE.test(operand) || operand.endsWith('.deb'),
  },
  {
    names: ['apk'],
    subcommands: ['add'],
    valued: ['-t', '--virtual', '-X', '--repository', '-p', '--root', '--keys-dir', '--arch', '--cache-dir', '--repositories-file'],
    // apk pins with `=`, and also accepts `~` (fuzzy) and `<`/`>` constraints.
    pinned: (operand) => /[=~<>]/.test(operand),
    notAPackage: (operand) => LOCAL_OR_REMOTE.test(operand) || operand.endsWith('.apk'),
  },
  {
    names: ['pip', 'pip3'],
    subcommands: ['install'],
    valued: ['-r', '--requirement', '-c', '--constraint', '-e', '--editable', '-i', '--index-url', '--extra-index-url', '-f', '--find-links', '-t', '--target', '--prefix', '--root', '--platform', '--python-version', '--implementation', '--abi', '--trusted-host', '--cache-dir', '--src', '--upgrade-strategy', '--progress-bar', '--log', '--proxy', '--retries', '--timeout', '--exists-action', '--cert', '--client-cert', '--global-option', '-C', '--config-settings', '--no-binary', '--only-binary', '--report', '--python'],
    // `==` and `===` pin a version; `name @ URL` pins a direct reference.
    pinned: (operand) => operand.includes('==') || operand.includes('@'),
    notAPackage: (operand) => LOCAL_OR_REMOTE.test(operand) || /\.(?:whl|tar\.gz|zip)$/.test(operand) || operand.startsWith('git+'),
  },
  {
    names: ['npm'],
    subcommands: ['install', 'i', 'add'],
    valued: ['--prefix', '--registry', '--tag', '--location'],
    pinned: (operand) => /^v?=?\d+\.\d+\.\d+(?:[-+][\w.+-]*)?$/.test(npmVersion(operand)),
    notAPackage: (operand) => LOCAL_OR_REMOTE.test(operand) || /\.tgz$/.test(operand) || /^(?:git\+|github:|file:)/.test(operand) || (operand.includes('/') && !operand.startsWith('@')),
    // Without -g, npm installs what package.json and the lock file pin.
    applies: (options) => hasOption(options, 'g', ['--global']) || options.includes('--location=global'),
  },
  {
    names: ['dnf', 'yum', 'microdnf', 'tdnf'],
    subcommands: ['install'],
    valued: ['-x', '--exclude', '--installroot', '--releasever', '--repo', '--repoid', '--enablerepo', '--disablerepo', '--setopt', '-c', '--config'],
    // dnf and yum pin with name-version[-release].
    pinned: (operand) => /-\d/.test(operand.slice(1)),
    notAPackage: (operand) => LOCAL_OR_REMOTE.test(operand) || operand.endsWith('.rpm') || operand.startsWith('@'),
  },
];

/** The version part of an npm operand: `1.2.3` of `@scope/name@1.2.3`, "" when absent. */
function npmVersion(operand: string): string {
  const at = operand.indexOf('@', 1);
  return at === -1 ? '' : operand.slice(at + 1);
}

function findInstall(command: EffectiveCommand): Install | undefined {
  const { name, args } = pythonModulePip(command) ?? command;
  const manager = MANAGERS.find((candidate) => candidate.names.includes(name));
  if (!manager) return undefined;

  const { options, operands } = splitOptions(args, new Set(manager.valued));
  const subcommand = operands[0]?.value;
  if (subcommand === undefined || !manager.subcommands.includes(subcommand)) return undefined;
  if (manager.applies && !manager.applies(options)) return undefined;

  const packages = operands
    .slice(1)
    .map((word) => word.value)
    .filter((operand) => operand !== '' && !operand.includes('$') && !manager.notAPackage?.(operand));
  return { manager: name, packages, unpinned: packages.filter((operand) => !manager.pinned(operand)), options, command };
}

/** Reads `python3 -m pip install …` as `pip install …`. */
function pythonModulePip(command: EffectiveCommand): { name: string; args: ShellWord[] } | undefined {
  if (!/^python[\d.]*$/.test(command.name)) return undefined;
  const module = command.args.findIndex((word) => word.value === '-m');
  if (module === -1 || command.args[module + 1]?.value !== 'pip') return undefined;
  return { name: 'pip', args: command.args.slice(module + 2) };
}

export const unpinnedPackagesRule: AuditRule = {
  id: 'BOSUN-DF008',
  severity: 'low',
  why: 'An unpinned install takes whatever version the repository serves on the day of the build, so two builds of the same Dockerfile can differ and a bad release flows in unreviewed.',
  check(context) {
    const hits: RuleHit[] = [];
    for (const { command, run } of commandsOf(context.scripts)) {
      const install = findInstall(command);
      if (!install || install.unpinned.length === 0) continue;
      hits.push({
        line: run.lineAt(command.command.offset),
        message: `${runLabel(run)} installs ${listNames(install.unpinned)} with ${install.manager} without a pinned version`,
      });
    }
    return hits;
  },
};

export const installRecommendsRule: AuditRule = {
  id: 'BOSUN-DF009',
  severity: 'info',
  why: 'Recommended packages are installed too, which adds software (and advisories) the image does not need.',
  check(context) {
    // A Dockerfile that writes its own APT::Install-Recommends setting has decided already.
    const configured = context.instructions.some(({ instruction }) => instruction.text.includes('Install-Recommends'))
      || context.scripts.some((run) => run.instruction.heredocs.some((heredoc) => heredoc.body.includes('Install-Recommends')));
    if (configured) return [];

    const hits: RuleHit[] = [];
    for (const { command, run } of commandsOf(context.scripts)) {
      const install = findInstall(command);
      if (!install || install.packages.length === 0 || (install.manager !== 'apt-get' && install.manager !== 'apt')) continue;
      if (install.options.includes('--no-install-recommends')) continue;
      hits.push({ line: run.lineAt(command.command.offset), message: `${runLabel(run)} runs ${install.manager} install without --no-install-recommends` });
    }
    return hits;
  },
};
