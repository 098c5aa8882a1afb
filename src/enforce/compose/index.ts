/**
 * Compose project loading for the pre-flight check: `-f` files merged, `include`, `extends`,
 * merge keys, profiles and `.env` interpolation, as `docker compose config` reads them.
 */
export { loadComposeProject } from './load.js';
export { interpolate, InterpolationError, type Interpolated, type VariableLookup } from './interpolate.js';
export { parseDotenv, DotenvError } from './dotenv.js';
export { ComposeError, parseComposeText, MAX_ALIAS_COUNT, MAX_COMPOSE_FILE_BYTES, type ComposeSource } from './source.js';
export { mergeModels, mergeService } from './merge.js';
export { normaliseService, longPorts, longVolume } from './normalise.js';
export type { ComposeBuild, ComposeProject, ComposeService, LoadComposeOptions } from './types.js';
