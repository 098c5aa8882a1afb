export * from './errors.js';
export * from './digest.js';
export { logger, setLogLevel, type Logger } from './log.js';
export { bosunVersion } from './version.js';
