import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { describeError, InputError, type Warning } from '../../common/errors.js';
import { logger } from '../../common/log.js';
import { DOCKER_HUB, normalizeRegistry } from '../reference.js';

const log = logger('registry');

/** A username and password (or token used as password) for one registry. */
export interface Credentials {
  username: string;
  password: string;
}

export interface CredentialOptions {
  username?: string;
  password?: string;
  /** Path of a Docker client `config.json`. Default `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. */
  dockerConfigPath?: string;
  /** Environment to read `BOSUN_REGISTRY_*` and `DOCKER_CONFIG` from. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

export interface CredentialLookup {
  credentials: Credentials | undefined;
  /** Source of the credentials, for debug logs: `options`, `environment` or a file path. */
  source: string | undefined;
  warnings: Warning[];
}

/** Max size of a Docker client config file; real ones are a few KiB. */
const MAX_DOCKER_CONFIG_BYTES = 1024 * 1024;

const dockerConfigSchema = z.looseObject({
  auths: z
    .record(
      z.string(),
      z.looseObject({
        auth: z.string().optional(),
        username: z.string().optional(),
        password: z.string().optional(),
        identitytoken: z.string().optional(),
      }),
    )
    .optional(),
  credsStore: z.string().optional(),
  credHelpers: z.record(z.string(), z.string()).optional(),
});
type DockerConfig = z.infer<typeof dockerConfigSchema>;

/** Helpers already warned about in this process, so the log names each one once. */
const warnedHelpers = new Set<string>();

/**
 * Finds credentials for `registry`, first match wins: explicit options, then the environment
 * variables `BOSUN_REGISTRY_USERNAME` and `BOSUN_REGISTRY_PASSWORD`, then the `auths` entries of
 * the Docker client config. Returns no credentials (anonymous access) when none apply.
 *
 * @throws InputError when only one of username and password is set, or the config file is invalid.
 */
export async function resolveCredentials(registry: string, options: CredentialOptions = {}): Promise<CredentialLookup> {
  const env = options.env ?? process.env;

  // A user name given as an option takes its password from the environment when the option
  // lacks one, so the secret can stay out of the command line and shell history.
  const explicitPassword = options.password ?? (options.username ? env['BOSUN_REGISTRY_PASSWORD'] : undefined);
  const explicit = pair(options.username, explicitPassword, 'the username and password options (or BOSUN_REGISTRY_PASSWORD)');
  if (explicit) return { credentials: explicit, source: 'options', warnings: [] };

  const fromEnv = pair(env['BOSUN_REGISTRY_USERNAME'], env['BOSUN_REGISTRY_PASSWORD'], 'BOSUN_REGISTRY_USERNAME and BOSUN_REGISTRY_PASSWORD');
  if (fromEnv) return { credentials: fromEnv, source: 'environment', warnings: [] };

  const file = options.dockerConfigPath ?? defaultDockerConfigPath(env);
  const config = await readDockerConfig(file, options.dockerConfigPath !== undefined);
  if (config === undefined) return { credentials: undefined, source: undefined, warnings: [] };

  const credentials = findAuth(config, registry, file);
  if (credentials) return { credentials, source: file, warnings: [] };
  return { credentials: undefined, source: undefined, warnings: helperWarnings(config, registry, file) };
}

/** Returns Docker's config path: `$DOCKER_CONFIG/config.json` when set, else `~/.docker/config.json`. */
export function defaultDockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const directory = env['DOCKER_CONFIG'] || path.join(env['HOME'] || homedir(), '.docker');
  return path.join(directory, 'config.json');
}

function pair(username: string | undefined, password: string | undefined, subject: string): Credentials | undefined {
  const hasUser = username !== undefined && username !== '';
  const hasPassword = password !== undefined && password !== '';
  if (!hasUser && !hasPassword) return undefined;
  if (!hasUser || !hasPassword) {
    throw new InputError(`${subject}: ${hasUser ? 'a password' : 'a username'} is missing`, {
      hint: 'Set both the username and the password, or neither for anonymous access.',
    });
  }
  return { username: username!, password: password! };
}

async function readDockerConfig(file: string, explicit: boolean): Promise<DockerConfig | undefined> {
  const text = await readConfigText(file, explicit);
  if (text === undefined) return undefined;

  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InputError(`Docker config ${file} is not valid JSON: ${describeError(error)}`, {
      hint: 'Fix the file, or run "docker login" again to rewrite it.',
      cause: error,
    });
  }
  const result = dockerConfigSchema.safeParse(json);
  if (!result.success) {
    throw new InputError(`Docker config ${file} is invalid: ${result.error.issues[0]?.path.join('.')} ${result.error.issues[0]?.message}`, {
      hint: 'Fix the file, or run "docker login" again to rewrite it.',
    });
  }
  return result.data;
}

/** Reads the config file; returns undefined when the default file does not exist. */
async function readConfigText(file: string, explicit: boolean): Promise<string | undefined> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (error) {
    if (!explicit && (error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw unreadable(file, error);
  }

  if (size > MAX_DOCKER_CONFIG_BYTES) {
    throw new InputError(`Docker config ${file} is ${size} bytes, more than the limit of ${MAX_DOCKER_CONFIG_BYTES}`, {
      hint: 'Point dockerConfigPath at a Docker client config.json.',
    });
  }
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw unreadable(file, error);
  }
}

function unreadable(file: string, error: unknown): InputError {
  return new InputError(`cannot read Docker config ${file}: ${describeError(error)}`, {
    hint: 'Check the path and its permissions, or leave dockerConfigPath unset.',
    cause: error,
  });
}

function findAuth(config: DockerConfig, registry: string, file: string): Credentials | undefined {
  const requested = normalizeRegistry(registry).toLowerCase();
  for (const [key, entry] of Object.entries(config.auths ?? {})) {
    if (authKeyRegistry(key) !== requested) continue;
    if (entry.auth) return decodeAuth(entry.auth, key, file);
    if (entry.username && entry.password) return { username: entry.username, password: entry.password };
    // TODO: entries with only an `identitytoken` (OAuth refresh token from `docker login`) are skipped.
  }
  return undefined;
}

/**
 * Maps an `auths` key to a registry name. Docker writes keys as `host`, `https://host` or, for
 * Docker Hub, `https://index.docker.io/v1/`, so the scheme and any path are dropped.
 */
export function authKeyRegistry(key: string): string {
  const withoutScheme = key.replace(/^[a-z]+:\/\//i, '');
  const host = withoutScheme.split('/')[0] ?? '';
  return normalizeRegistry(host).toLowerCase();
}

function decodeAuth(auth: string, key: string, file: string): Credentials {
  const decoded = Buffer.from(auth, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0 || colon === decoded.length - 1) {
    // The value is a secret: the message names only the file and the key.
    throw new InputError(`Docker config ${file}: the "auth" value of "${key}" is not base64 of "username:password"`, {
      hint: `Run "docker login ${key}" again, or fix the entry.`,
    });
  }
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function helperWarnings(config: DockerConfig, registry: string, file: string): Warning[] {
  const requested = normalizeRegistry(registry).toLowerCase();
  const perRegistry = Object.entries(config.credHelpers ?? {}).find(([key]) => authKeyRegistry(key) === requested)?.[1];
  const helper = perRegistry ?? config.credsStore;
  if (helper === undefined || helper === '') return [];

  const message =
    `Docker config ${file} keeps credentials for ${registry === DOCKER_HUB ? 'Docker Hub' : registry} in the ` +
    `credential helper "docker-credential-${helper}", which Bosun does not run; continuing without credentials`;
  if (!warnedHelpers.has(helper)) {
    warnedHelpers.add(helper);
    log.warn({ registry, helper, file }, 'Docker credential helpers are not supported');
  }
  return [{ code: 'registry.credential_helper_unsupported', message }];
}
