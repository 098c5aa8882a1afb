import { existsSync } from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import {
  checkComposeProject,
  engineResolver,
  firstResolver,
  loadComposeProject,
  registryResolver,
  renderCheckTable,
  trustImageJudge,
  trustSourceJudge,
  type ImageResolver,
} from '../../enforce/index.js';
import { EngineClient } from '../../engine/index.js';
import { withStore } from '../context.js';
import { addImageOptions, openTargetOptions, type ImageCommandOptions } from '../image-options.js';
import { writeOutput } from '../output.js';
import { ExitCode } from '../run.js';
import { engineEndpoint, loadEnforcementPolicy } from './authz.js';

interface CheckOptions extends ImageCommandOptions {
  file: string[];
  profile: string[];
  envFile: string[];
  projectDirectory?: string;
  projectName?: string;
  format: 'table' | 'json';
  policy?: string;
  engine?: string;
  offline?: boolean;
}

/** File names `docker compose` looks for when no -f is given, in its order. */
const DEFAULT_FILES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'];
const DEFAULT_OVERRIDES = ['compose.override.yaml', 'compose.override.yml', 'docker-compose.override.yaml', 'docker-compose.override.yml'];

/** `bosun check [FILE…]`: the trust pre-flight of a compose project. */
export function registerCheck(program: Command): void {
  const command = program
    .command('check')
    .description('Check that every service of a compose project may start under the trust policy')
    .argument('[files...]', 'compose files, merged in order (same as -f)')
    .option('-f, --file <file>', 'compose file (repeatable; default: compose.yaml and compose.override.yaml here)', collect, [])
    .option('--profile <name>', 'enable a profile (repeatable; default: $COMPOSE_PROFILES)', collect, [])
    .option('--env-file <file>', 'read variables from this file instead of the project\'s .env (repeatable)', collect, [])
    .option('--project-directory <dir>', 'project directory (default: the first file\'s directory)')
    .option('-p, --project-name <name>', 'project name')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('--policy <file>', 'policy file; it must exist (default: DATA-DIR/policy.yaml, which may be absent)')
    .option('--engine <address>', 'engine to look images up on first: unix:///PATH.sock or tcp://HOST:PORT (default: $DOCKER_HOST)')
    .option('--offline', 'read no registry: images must be on the engine, bases must be stored')
    .addHelpText('after', '\nExit status: 0 when every active service may start, 1 when any may not, 2 for a bad compose file, a missing --policy file or a bad flag, 3 when the database fails.');
  addImageOptions(command).action(async (files: string[], options: CheckOptions, cmd: Command) => {
    const project = await loadComposeProject({
      files: composeFiles([...files, ...options.file]),
      profiles: options.profile,
      envFiles: options.envFile.length > 0 ? options.envFile : undefined,
      projectDirectory: options.projectDirectory,
      projectName: options.projectName,
    });
    const policy = await loadEnforcementPolicy(cmd, options.policy);
    const client = new EngineClient(engineEndpoint(options.engine));
    const open = openTargetOptions(options);
    const offline = options.offline === true;

    const result = await withStore(cmd, async (store) => {
      const resolvers: ImageResolver[] = [engineResolver(client, { unreachableIsMissing: true })];
      if (!offline) resolvers.push(registryResolver(open));
      const resolver = firstResolver(resolvers);
      const images = trustImageJudge(store, policy, { offline, open });
      return checkComposeProject(project, {
        resolver,
        images,
        sources: trustSourceJudge(store, policy, { images: { resolver, judge: images } }),
        settings: { mode: policy.loaded.policy.mode, failClosed: policy.loaded.policy.failClosed },
      });
    }).finally(() => client.close());

    await writeOutput(options.format === 'json' ? `${JSON.stringify(result, null, 2)}\n` : renderCheckTable(result));
    if (!result.allowed) process.exitCode = ExitCode.policy;
  });
}

/** Returns the files given, else the ones `docker compose` would pick in the current directory. */
function composeFiles(given: string[]): string[] {
  if (given.length > 0) return given;
  const main = DEFAULT_FILES.find((name) => existsSync(name));
  if (main === undefined) return [path.resolve(DEFAULT_FILES[0]!)];
  const override = DEFAULT_OVERRIDES.find((name) => existsSync(name));
  return override === undefined ? [main] : [main, override];
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
