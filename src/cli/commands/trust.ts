import path from 'node:path';
import { Command, Option } from 'commander';
import { parseDigest } from '../../common/digest.js';
import { InputError } from '../../common/errors.js';
import { resolveDataDir } from '../../config/paths.js';
import {
  addKnownImage,
  addTrustedBase,
  compilePolicy,
  inspectEngineImage,
  listEngineContainers,
  loadPolicy,
  openTrustSession,
  POLICY_FILE_NAME,
  removeTrustedBase,
  renderVerdict,
  sanitiseTerminalText,
  type EngineContainer,
  type ImageFacts,
  type Verdict,
} from '../../trust/index.js';
import { globalOptions, withStore } from '../context.js';
import { addImageOptions, openTargetOptions, type ImageCommandOptions } from '../image-options.js';
import { writeOutput } from '../output.js';
import { ExitCode } from '../run.js';

interface TrustOptions extends ImageCommandOptions {
  format: 'text' | 'json';
  policy?: string;
  engine?: string | true;
  offline?: boolean;
}

/**
 * `bosun trust TARGET`, `bosun trust --engine`: the trust verdict of images, and
 * `trust base|known …` to edit the trusted bases and known images.
 */
export function registerTrust(program: Command): void {
  const trust = program
    .command('trust')
    .description('Judge whether an image, or every image a container uses, is built from audited sources on trusted bases')
    .argument('[target]', 'image: a reference, docker-archive:PATH, oci:PATH[:TAG], oci-archive:PATH, dir:PATH, docker-daemon:NAME or podman:NAME')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--engine [address]', 'judge the image of every container on this engine: unix:///PATH.sock or tcp://HOST:PORT (default: $DOCKER_HOST)')
    .option('--offline', 'use only stored base resolutions; contact no registry')
    .addHelpText('after', '\nExit status: 0 when every image judged is trusted, 1 when any is not, 2 for bad input, 3 when a registry, engine or database fails.');
  addPolicyOption(trust);
  addImageOptions(trust).action(async (target: string | undefined, options: TrustOptions, cmd: Command) => {
    if (options.engine !== undefined && target !== undefined) throw new InputError('pass either a target or --engine, not both', { hint: 'run bosun trust TARGET or bosun trust --engine' });
    if (options.engine === undefined && target === undefined) throw new InputError('missing target', { hint: 'name an image, for example bosun trust 127.0.0.1:5000/lab/app:1, or pass --engine' });

    const policy = compilePolicy(await loadPolicy(policyPath(cmd), { required: hasPolicyOption(cmd) }));
    const verdicts = await withStore(cmd, async (store) => {
      const session = await openTrustSession(store, policy, { open: openTargetOptions(options), offline: options.offline === true });
      for (const warning of session.warnings) process.stderr.write(sanitiseTerminalText(`bosun: warning: ${warning.message}\n`));
      if (target !== undefined) return [{ container: undefined, verdict: await session.evaluateTarget(target) }];
      return judgeContainers(options.engine === true ? undefined : options.engine, session.evaluate);
    });

    await writeOutput(target !== undefined ? renderOne(verdicts[0]!.verdict, options.format) : renderContainers(verdicts as ContainerVerdict[], options.format));
    if (verdicts.some((entry) => entry.verdict.verdict !== 'trusted')) process.exitCode = ExitCode.policy;
  });

  registerBase(trust);
  registerKnown(trust);
}

interface ContainerVerdict {
  container: EngineContainer;
  verdict: Verdict;
}

async function judgeContainers(host: string | undefined, evaluate: (facts: ImageFacts) => Promise<Verdict>): Promise<ContainerVerdict[]> {
  const containers = await listEngineContainers('docker', { host });
  const byImage = new Map<string, Promise<Verdict>>();
  const out: ContainerVerdict[] = [];
  for (const container of containers) {
    let verdict = byImage.get(container.imageId);
    if (verdict === undefined) {
      verdict = inspectEngineImage('docker', container.imageId, { host }).then((facts) => evaluate({ ...facts, target: container.image }));
      byImage.set(container.imageId, verdict);
    }
    out.push({ container, verdict: await verdict });
  }
  return out;
}

function renderOne(verdict: Verdict, format: TrustOptions['format']): string {
  return format === 'json' ? `${JSON.stringify(verdict, null, 2)}\n` : renderVerdict(verdict);
}

function renderContainers(verdicts: ContainerVerdict[], format: TrustOptions['format']): string {
  if (format === 'json') return `${JSON.stringify(verdicts, null, 2)}\n`;
  if (verdicts.length === 0) return 'no containers on the engine\n';
  const width = Math.max(9, ...verdicts.map((entry) => entry.container.name.length));
  const imageWidth = Math.max(5, ...verdicts.map((entry) => entry.container.image.length));
  const lines = [`${'CONTAINER'.padEnd(width)}  ${'IMAGE'.padEnd(imageWidth)}  ${'VERDICT'.padEnd(9)}  REASON`];
  for (const { container, verdict } of verdicts) {
    lines.push(`${container.name.padEnd(width)}  ${container.image.padEnd(imageWidth)}  ${verdict.verdict.padEnd(9)}  ${verdict.reasons[0] ?? ''}`);
  }
  return sanitiseTerminalText(`${lines.join('\n')}\n`);
}

function registerBase(trust: Command): void {
  const base = trust.command('base').description('Edit the trusted bases of the policy file (comments and layout are kept)');

  addPolicyOption(
    base
      .command('add')
      .description('Trust a base repository, or add tags and digest pins to one already trusted')
      .argument('<repository>', 'registry/repository, or a glob such as 127.0.0.1:5000/lab/*')
      .option('--digest <digest>', 'trust only this digest of it (repeatable)', collect, [])
      .option('--tag <tag>', 'tag to resolve in the registry to learn its layers (repeatable)', collect, [])
      .option('--note <text>', 'why the base is trusted'),
  ).action(async (repository: string, options: { digest: string[]; tag: string[]; note?: string }, cmd: Command) => {
    const file = policyPath(cmd);
    const digests = options.digest.map((digest) => parseDigest(digest, '--digest'));
    const result = await addTrustedBase(file, { repository, digests, tags: options.tag, note: options.note });
    await writeOutput(sanitiseTerminalText(`${result.added ? 'added' : 'updated'} trusted base ${result.entry.repository} in ${file}${result.createdFile ? ' (new file)' : ''}\n`));
  });

  addPolicyOption(
    base
      .command('remove')
      .description('Stop trusting a base repository, or remove one digest pin of it')
      .argument('<repository>', 'the repository as listed')
      .option('--digest <digest>', 'remove only this digest pin'),
  ).action(async (repository: string, options: { digest?: string }, cmd: Command) => {
    const file = policyPath(cmd);
    const removed = await removeTrustedBase(file, repository, options.digest);
    if (!removed) {
      throw new InputError(`${file} has no trusted base ${repository}${options.digest ? ` pinned to ${options.digest}` : ''}`, { hint: 'list the trusted bases with bosun trust base list' });
    }
    await writeOutput(sanitiseTerminalText(`removed ${options.digest ? `digest ${options.digest} of ` : ''}trusted base ${repository} from ${file}\n`));
  });

  addPolicyOption(
    base.command('list').description('List the trusted bases').addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text')),
  ).action(async (_options: unknown, cmd: Command) => {
    const loaded = await loadPolicy(policyPath(cmd), { required: hasPolicyOption(cmd) });
    const bases = loaded.policy.trustedBases;
    if (formatOf(cmd) === 'json') {
      await writeOutput(`${JSON.stringify(bases, null, 2)}\n`);
      return;
    }
    const lines = bases.length === 0 ? [`no trusted bases in ${loaded.file}`] : [];
    for (const entry of bases) {
      const details = [
        entry.tags?.length ? `tags ${entry.tags.join(', ')}` : undefined,
        describePins(entry.digests),
        entry.note,
      ].filter(Boolean);
      lines.push(`${entry.repository}  (${details.join('; ')})`);
    }
    await writeOutput(sanitiseTerminalText(`${lines.join('\n')}\n`));
  });
}

function registerKnown(trust: Command): void {
  const known = trust.command('known').description('Manage images that chains may name as bases');
  addImageOptions(
    known.command('add').description('Read an image and store it as a known base, so that images built on it resolve to it').argument('<target>', 'image target, as for bosun trust'),
  ).action(async (target: string, options: ImageCommandOptions, cmd: Command) => {
    const facts = await withStore(cmd, (store) => addKnownImage(store, target, openTargetOptions(options)));
    await writeOutput(sanitiseTerminalText(`known image ${target}: ${facts.configDigest}, ${facts.diffIds.length} layers\n`));
  });
}

/** Adds `--policy FILE`, read by `policyPath` from the command or any parent. */
function addPolicyOption(command: Command): Command {
  return command.option('--policy <file>', `policy file (default: DATA-DIR/${POLICY_FILE_NAME})`);
}

/** Returns the policy file path: the nearest `--policy`, else `policy.yaml` in the data directory. */
function policyPath(command: Command): string {
  for (let current: Command | null = command; current !== null; current = current.parent) {
    const value = current.opts<{ policy?: string }>().policy;
    if (value !== undefined) return path.resolve(value);
  }
  return path.join(resolveDataDir(globalOptions(command).dataDir), POLICY_FILE_NAME);
}

/** Describes the digest pins of an entry: none listed trusts any digest, and an empty list trusts none. */
function describePins(digests: string[] | undefined): string {
  if (digests === undefined) return 'any digest';
  if (digests.length === 0) return 'no digest allowed: digests is empty';
  return `pinned to ${digests.join(', ')}`;
}

/**
 * Returns the `--format` the user passed to this command or a parent. `trust --format` and
 * `base list --format` share the flag, and commander gives it to whichever parses it first.
 */
function formatOf(command: Command): 'text' | 'json' {
  for (let current: Command | null = command; current !== null; current = current.parent) {
    if (current.getOptionValueSource('format') === 'cli') return current.opts<{ format: 'text' | 'json' }>().format;
  }
  return 'text';
}

/** Reports whether the user named a policy file with `--policy` on this command or a parent. */
function hasPolicyOption(command: Command): boolean {
  for (let current: Command | null = command; current !== null; current = current.parent) {
    if (current.opts<{ policy?: string }>().policy !== undefined) return true;
  }
  return false;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
