import type { Command } from 'commander';
import { InputError } from '../../common/errors.js';
import { logger, setLogLevel } from '../../common/log.js';
import { loadConfig, logLevel } from '../../config/index.js';
import { createToken, listTokens, parseScope, revokeToken, startServer, type RunningServer } from '../../server/index.js';
import { globalOptions, withStore } from '../context.js';

const log = logger('cli.serve');

/** Time a stop on SIGTERM or SIGINT may take before the process exits with status 1. */
const STOP_TIMEOUT_MS = 45_000;

interface ServeFlags {
  config?: string;
  listen?: string;
  engine: string[];
  allowRemote?: boolean;
}

/** `bosun serve` and `bosun token create|list|revoke`. */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Run the service in the foreground: watch engines, scan, sync advisories, notify, and serve the API')
    .option('--config <file>', 'YAML config file (docs/config.md); without it defaults, environment and flags apply')
    .option('--listen <host:port>', 'address to listen on (default: 127.0.0.1:8780 or $BOSUN_LISTEN)')
    .option('--engine <url>', 'engine to watch, unix:///path.sock or tcp://host:port, optionally NAME=URL (repeatable; replaces the config file engines)', collect, [])
    .option('--allow-remote', 'accept a listen address that other hosts can reach')
    .action(async (flags: ServeFlags, cmd: Command) => {
      await serve(flags, cmd);
    });

  registerToken(program);
}

async function serve(flags: ServeFlags, cmd: Command): Promise<void> {
  const global = globalOptions(cmd);
  const config = loadConfig({
    file: flags.config,
    flags: {
      listen: flags.listen,
      dataDir: global.dataDir,
      databaseUrl: global.databaseUrl,
      engines: flags.engine,
      logLevel: logLevel(global.logLevel, '--log-level'),
    },
  });
  setLogLevel(config.logLevel);

  // Listen for signals before starting: a stop requested while the server starts (the moment it
  // logs that it started) must not fall through to Node's default handler, which kills the process.
  const stopRequested = waitForSignal();
  const server = await startServer({ config, allowRemote: flags.allowRemote === true });
  await stopRequested;
  await stopWithin(server, STOP_TIMEOUT_MS);
}

/** Resolves on the first SIGTERM or SIGINT; a second one exits at once. */
function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      log.info({ signal }, 'stop requested');
      process.once('SIGTERM', () => process.exit(130));
      process.once('SIGINT', () => process.exit(130));
      resolve(signal);
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
}

async function stopWithin(server: RunningServer, timeoutMs: number): Promise<void> {
  const timer = setTimeout(() => {
    log.error({ timeoutMs }, 'clean stop timed out; exiting');
    process.exit(1);
  }, timeoutMs);
  timer.unref();
  await server.stop();
  clearTimeout(timer);
  process.exitCode = 0;
}

function registerToken(program: Command): void {
  const token = program.command('token').description('Manage API, metrics and feed tokens of the service');

  token
    .command('create')
    .description('Create a token and print it once; only its SHA-256 hash is stored')
    .requiredOption('--scope <scope>', 'api, metrics, feed:all or feed:endpoint:NAME')
    .requiredOption('--name <name>', 'what the token is for, such as grafana or phone-feed')
    .option('--json', 'print the id, scope and token as JSON')
    .action(async (options: { scope: string; name: string; json?: boolean }, cmd: Command) => {
      const scope = parseScope(options.scope);
      const created = await withStore(cmd, (store) => createToken(store, options.name, scope));
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ id: created.id, name: options.name, scope, token: created.token })}\n`);
        return;
      }
      process.stderr.write(`created token ${created.id} (${scope}); it is shown only this once:\n`);
      process.stdout.write(`${created.token}\n`);
    });

  token
    .command('list')
    .description('List tokens: id, name, scope, creation and last use; never the tokens themselves')
    .option('--json', 'print the list as JSON')
    .action(async (options: { json?: boolean }, cmd: Command) => {
      const tokens = await withStore(cmd, (store) => listTokens(store));
      if (options.json) {
        process.stdout.write(`${JSON.stringify(tokens, null, 2)}\n`);
        return;
      }
      const lines = ['ID  NAME                  SCOPE                     CREATED                   LAST USED'];
      for (const entry of tokens) {
        lines.push(`${String(entry.id).padEnd(3)} ${entry.name.padEnd(21)} ${entry.scope.padEnd(25)} ${entry.createdAt.padEnd(25)} ${entry.lastUsedAt ?? '-'}`);
      }
      process.stdout.write(`${lines.join('\n')}\n`);
    });

  token
    .command('revoke')
    .description('Delete a token; requests with it fail from then on')
    .argument('<id>', 'token id from bosun token list')
    .action(async (id: string, _options: unknown, cmd: Command) => {
      const numeric = Number(id);
      if (!Number.isSafeInteger(numeric) || numeric <= 0) throw new InputError(`invalid token id "${id.slice(0, 40)}"`, { hint: 'use an id from bosun token list' });
      const removed = await withStore(cmd, (store) => revokeToken(store, numeric));
      if (!removed) throw new InputError(`token ${numeric} not found`, { hint: 'list tokens with bosun token list' });
      process.stdout.write(`revoked token ${numeric}\n`);
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
