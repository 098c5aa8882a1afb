import { InputError } from '../common/errors.js';
import { LOG_LEVELS } from './schema.js';

/** Values that the environment or command-line flags set over the config file. */
export interface ConfigOverrides {
  listen?: string;
  dataDir?: string;
  databaseUrl?: string;
  /** Engine addresses, each `URL` or `NAME=URL`. */
  engines?: string[];
  logLevel?: (typeof LOG_LEVELS)[number];
}

/**
 * Reads `BOSUN_LISTEN`, `BOSUN_DATA_DIR`, `BOSUN_DATABASE_URL`, `BOSUN_ENGINES` (comma-separated),
 * `BOSUN_LOG_LEVEL` and `BOSUN_TOKEN`. Empty variables count as unset.
 */
export function readEnvOverrides(env: NodeJS.ProcessEnv): ConfigOverrides & { token?: string } {
  const value = (name: string): string | undefined => {
    const text = env[name]?.trim();
    return text === undefined || text === '' ? undefined : text;
  };

  const engines = value('BOSUN_ENGINES')
    ?.split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  return {
    listen: value('BOSUN_LISTEN'),
    dataDir: value('BOSUN_DATA_DIR'),
    databaseUrl: value('BOSUN_DATABASE_URL'),
    engines: engines?.length ? engines : undefined,
    logLevel: logLevel(value('BOSUN_LOG_LEVEL'), 'BOSUN_LOG_LEVEL'),
    token: value('BOSUN_TOKEN'),
  };
}

/** Checks a log level from a flag or variable. */
export function logLevel(level: string | undefined, what: string): (typeof LOG_LEVELS)[number] | undefined {
  if (level === undefined) return undefined;
  if ((LOG_LEVELS as readonly string[]).includes(level)) return level as (typeof LOG_LEVELS)[number];
  throw new InputError(`invalid ${what} "${level.slice(0, 40)}"`, { hint: `use one of: ${LOG_LEVELS.join(', ')}` });
}
