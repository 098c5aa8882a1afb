/**
 * The image module: references, registry access, local sources (archives, layouts, engines,
 * directories) and layer streaming. Higher modules import from here only.
 */
export * from './types.js';
export * from './reference.js';
export * from './manifest.js';
export * from './platform.js';
export * from './registry/index.js';
export { walkLayer, DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_LAYER_BYTES, DEFAULT_IDLE_TIMEOUT_MS } from './layer.js';
export { detectCompression, type Compression } from './decompress.js';
export { normalizeTarPath, classifyWhiteout, WHITEOUT_PREFIX, OPAQUE_WHITEOUT, type WhiteoutKind } from './tar-path.js';
export { parseTarget, openTarget, TARGET_FORMS, type Target, type OpenTargetOptions } from './target.js';
export * from './sources/index.js';
