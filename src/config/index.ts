/**
 * The service configuration: the YAML config file schema, defaults, environment overrides and
 * the data directory.
 */
export { resolveDataDir } from './paths.js';
export { loadConfig, type BosunConfig, type LoadConfigOptions } from './load.js';
export { readEnvOverrides, logLevel, type ConfigOverrides } from './env.js';
export { parseListen, isLoopbackListen, formatListen, type ListenAddress } from './listen.js';
export { parseConfigText, formatKeyPath, type Locator } from './yaml.js';
export {
  configFileSchema,
  cronSchema,
  durationSchema,
  parseDuration,
  DEFAULT_LISTEN,
  DEFAULT_SYNC_SCHEDULE,
  DEFAULT_CONCURRENCY,
  DEFAULT_RESYNC_INTERVAL,
  LOG_LEVELS,
  type ConfigFile,
} from './schema.js';
