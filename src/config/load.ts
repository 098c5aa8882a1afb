import { readFileSync } from 'node:fs';
import path from 'node:path';
import { InputError, describeError } from '../common/errors.js';
import { DEFAULT_OSV_BASE_URL } from '../advisory/index.js';
import { defaultEndpoint, parseEndpoint, type EngineEndpoint } from '../engine/index.js';
import { createChannel, type Channel } from '../notify/index.js';
import { readEnvOverrides, type ConfigOverrides } from './env.js';
import { parseListen, type ListenAddress } from './listen.js';
import { resolveDataDir } from './paths.js';
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_LISTEN,
  DEFAULT_RESYNC_INTERVAL,
  DEFAULT_SYNC_SCHEDULE,
  LOG_LEVELS,
  parseDuration,
  type ConfigFile,
} from './schema.js';
import { parseConfigText, type Locator } from './yaml.js';

/** Config files larger than this are rejected before parsing. */
const MAX_CONFIG_BYTES = 1024 * 1024;

/** The service configuration after defaults, the config file, the environment and flags. */
export interface BosunConfig {
  /** Absolute path of the config file, or undefined when there is none. */
  file: string | undefined;
  listen: ListenAddress;
  dataDir: string;
  databaseUrl: string | undefined;
  engines: EngineEndpoint[];
  /** Image scans that run at the same time. */
  concurrency: number;
  sync: {
    /** Cron expression of the scheduled advisory sync. */
    schedule: string;
    /** Base URL serving `<Ecosystem>/all.zip`, or a local directory or zip file. */
    source: string;
  };
  /** Milliseconds between full re-reads of each engine's container list. */
  resyncIntervalMs: number;
  channels: Channel[];
  digest: { schedule: string } | undefined;
  /** Absolute path of the trust policy file. */
  policy: string | undefined;
  logLevel: (typeof LOG_LEVELS)[number];
  /** API token from `BOSUN_TOKEN`; never read from the file, so the file contains no secret for the API. */
  token: string | undefined;
}

export interface LoadConfigOptions {
  /** Path of the YAML config file; without it only defaults, environment and flags apply. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Values from command-line flags, which win over the environment and the file. */
  flags?: ConfigOverrides;
}

/**
 * Loads the configuration. Flags win over environment variables, which win over the file, which
 * wins over the defaults. Relative paths in the file are taken from the file's folder.
 *
 * @throws InputError naming the file, line and key path of the first invalid value.
 */
export function loadConfig(options: LoadConfigOptions = {}): BosunConfig {
  const env = options.env ?? process.env;
  const file = options.file === undefined ? undefined : path.resolve(options.file);
  const parsed = file === undefined ? { config: {} as ConfigFile, locate: undefined } : readConfigFile(file);
  const fromEnv = readEnvOverrides(env);
  const flags = options.flags ?? {};
  const base = file === undefined ? process.cwd() : path.dirname(file);
  const relative = (value: string | undefined): string | undefined => (value === undefined ? undefined : path.resolve(base, value));

  const listenText = flags.listen ?? fromEnv.listen ?? parsed.config.listen ?? DEFAULT_LISTEN;
  const dataDirFlag = flags.dataDir ?? fromEnv.dataDir ?? relative(parsed.config.dataDir);
  const engineUrls = flags.engines?.length ? flags.engines : fromEnv.engines;

  return {
    file,
    listen: withLocation(parsed.locate, ['listen'], () => parseListen(listenText)),
    dataDir: resolveDataDir(dataDirFlag, {}),
    databaseUrl: flags.databaseUrl ?? fromEnv.databaseUrl ?? parsed.config.databaseUrl,
    engines: engineUrls ? enginesFromUrls(engineUrls) : enginesFromFile(parsed.config, base, parsed.locate),
    concurrency: parsed.config.concurrency ?? DEFAULT_CONCURRENCY,
    sync: {
      schedule: parsed.config.sync?.schedule ?? DEFAULT_SYNC_SCHEDULE,
      source: syncSource(parsed.config.sync?.source, base),
    },
    resyncIntervalMs: parsed.config.resyncInterval ?? parseDuration(DEFAULT_RESYNC_INTERVAL)!,
    channels: channelsFromFile(parsed.config, parsed.locate),
    digest: parsed.config.digest,
    policy: relative(parsed.config.policy),
    logLevel: flags.logLevel ?? fromEnv.logLevel ?? parsed.config.log?.level ?? 'info',
    token: fromEnv.token,
  };
}

function readConfigFile(file: string): { config: ConfigFile; locate: Locator } {
  let text: string;
  try {
    const buffer = readFileSync(file);
    if (buffer.length > MAX_CONFIG_BYTES) {
      throw new InputError(`config file ${file} is larger than ${MAX_CONFIG_BYTES} bytes`, { hint: 'check that --config names the YAML config file' });
    }
    text = buffer.toString('utf8');
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`cannot read config file ${file}: ${describeError(error)}`, {
      hint: 'check the --config path and that the service user may read it',
      cause: error,
    });
  }
  return parseConfigText(text, file);
}

/** Runs `parse` and adds the file position of `keyPath` to an InputError it throws. */
function withLocation<T>(locate: Locator | undefined, keyPath: Array<string | number>, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof InputError) || locate === undefined) throw error;
    throw new InputError(`${locate(keyPath)}: ${error.message}`, { hint: error.hint, cause: error.cause });
  }
}

function enginesFromFile(config: ConfigFile, base: string, locate: Locator | undefined): EngineEndpoint[] {
  if (config.engines === undefined) return [defaultEndpoint('docker')];

  const names = new Set<string>();
  return config.engines.map((entry, index) =>
    withLocation(locate, ['engines', index, 'url'], () => {
      if (names.has(entry.name)) throw new InputError(`duplicate engine name "${entry.name}"`, { hint: 'give every engine its own name' });
      names.add(entry.name);
      const tls = entry.tls && {
        ca: path.resolve(base, entry.tls.ca),
        cert: path.resolve(base, entry.tls.cert),
        key: path.resolve(base, entry.tls.key),
      };
      return parseEndpoint(entry.url, { name: entry.name, tls });
    }),
  );
}

/** Parses engines from `--engine` or `BOSUN_ENGINES`, each `URL` or `NAME=URL`. */
function enginesFromUrls(values: string[]): EngineEndpoint[] {
  const names = new Set<string>();
  return values.map((value) => {
    const named = /^([A-Za-z0-9][-_.A-Za-z0-9]{0,63})=(.+)$/.exec(value);
    const url = named?.[2] ?? value;
    let name = named?.[1] ?? nameFromUrl(url);
    for (let n = 2; names.has(name); n++) name = `${named?.[1] ?? nameFromUrl(url)}-${n}`;
    names.add(name);
    return parseEndpoint(url, { name });
  });
}

/** Names an engine after its address: `unix:///run/podman/podman.sock` is `podman`, `tcp://build-host:2376` is `build-host-2376`. */
function nameFromUrl(url: string): string {
  const socket = /^(?:unix:\/\/)?(\/.*)$/.exec(url)?.[1];
  const raw = socket !== undefined ? path.basename(socket).replace(/\.sock$/, '') : url.replace(/^tcp:\/\//, '').replace(/[:[\]]/g, '-');
  const name = raw.replace(/[^-_.A-Za-z0-9]/g, '-').replace(/^[-_.]+/, '').slice(0, 64);
  return name === '' ? 'engine' : name;
}

function syncSource(source: string | undefined, base: string): string {
  if (source === undefined) return DEFAULT_OSV_BASE_URL;
  if (/^https?:\/\//.test(source)) return source;
  return path.resolve(base, source);
}

function channelsFromFile(config: ConfigFile, locate: Locator | undefined): Channel[] {
  const channels = (config.channels ?? []).map((entry, index) => withLocation(locate, ['channels', index], () => createChannel(entry)));
  const seen = new Set<string>();
  for (const [index, channel] of channels.entries()) {
    withLocation(locate, ['channels', index, 'name'], () => {
      if (seen.has(channel.name)) throw new InputError(`duplicate channel name "${channel.name}"`, { hint: 'give every channel its own name' });
    });
    seen.add(channel.name);
  }
  return channels;
}
