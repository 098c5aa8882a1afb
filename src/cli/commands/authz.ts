import path from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../../common/errors.js';
import { setLogLevel } from '../../common/log.js';
import { resolveDataDir } from '../../config/paths.js';
import { Authorizer, DEFAULT_PLUGIN_DIR, DEFAULT_PLUGIN_NAME, engineResolver, startPluginServer, trustImageJudge, VerdictCache } from '../../enforce/index.js';
import { defaultEndpoint, EngineClient, parseEndpoint, type EngineEndpoint } from '../../engine/index.js';
import { compilePolicy, loadPolicy, POLICY_FILE_NAME, type CompiledPolicy } from '../../trust/index.js';
import { globalOptions, withStore } from '../context.js';

interface AuthzOptions {
  name: string;
  pluginDir: string;
  engine?: string;
  policy?: string;
  offline?: boolean;
  cacheTtl: string;
}

/** `bosun authz`: run the Docker authorization plugin until SIGTERM or SIGINT. */
export function registerAuthz(program: Command): void {
  program
    .command('authz')
    .description('Run a Docker authorization plugin that rejects containers and services whose image the trust policy rejects')
    .option('--name <name>', 'plugin name, as given to dockerd --authorization-plugin', DEFAULT_PLUGIN_NAME)
    .option('--plugin-dir <dir>', 'directory dockerd looks for plugin sockets in', DEFAULT_PLUGIN_DIR)
    .option('--engine <address>', 'engine to inspect images on: unix:///PATH.sock or tcp://HOST:PORT (default: $DOCKER_HOST or /var/run/docker.sock)')
    .option('--policy <file>', `policy file, read at start; it must exist (default: DATA-DIR/${POLICY_FILE_NAME}, which may be absent)`)
    .option('--offline', 'judge with stored base resolutions only; contact no registry')
    .option('--cache-ttl <seconds>', 'seconds a verdict is reused for the same image config digest (0 turns the cache off)', '30')
    .addHelpText('after', '\nJudged: POST /containers/create, /services/create and /services/{id}/update. Everything else is allowed.\nThe policy\'s mode (enforce or warn) and failClosed decide what a rejection or an error does.')
    .action(async (options: AuthzOptions, cmd: Command) => {
      if (globalOptions(cmd).logLevel === undefined) setLogLevel('info');
      const ttlSeconds = Number(options.cacheTtl);
      if (!Number.isFinite(ttlSeconds) || ttlSeconds < 0) throw new InputError(`invalid --cache-ttl "${options.cacheTtl}"`, { hint: 'give a number of seconds, such as 30' });
      const policy = await loadEnforcementPolicy(cmd, options.policy);
      const client = new EngineClient(engineEndpoint(options.engine));

      await withStore(cmd, async (store) => {
        const authorizer = new Authorizer({
          judge: trustImageJudge(store, policy, { offline: options.offline === true }),
          resolver: engineResolver(client),
          settings: { mode: policy.loaded.policy.mode, failClosed: policy.loaded.policy.failClosed },
          cache: new VerdictCache(ttlSeconds * 1000),
        });
        const server = await startPluginServer({ authorizer, name: options.name, pluginDir: path.resolve(options.pluginDir) });
        try {
          await untilSignal();
        } finally {
          await server.close();
          await client.close();
        }
      });
    });
}

/**
 * Loads and compiles the policy named by `--policy`, else the data directory's. A file named
 * with `--policy` must exist, so that a mistyped path is an error rather than an empty policy.
 *
 * @throws InputError when the named file does not exist, PolicyError when it is invalid.
 */
export async function loadEnforcementPolicy(cmd: Command, file: string | undefined): Promise<CompiledPolicy> {
  const policyFile = file === undefined ? path.join(resolveDataDir(globalOptions(cmd).dataDir), POLICY_FILE_NAME) : path.resolve(file);
  const loaded = await loadPolicy(policyFile, { required: file !== undefined });
  for (const warning of loaded.warnings) process.stderr.write(`bosun: warning: ${warning.message}\n`);
  return compilePolicy(loaded);
}

/** Returns the engine endpoint from `--engine`, else the Docker CLI's default. */
export function engineEndpoint(address: string | undefined): EngineEndpoint {
  return address === undefined ? defaultEndpoint('docker') : parseEndpoint(address, { kind: 'docker' });
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
