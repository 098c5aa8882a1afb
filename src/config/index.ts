export { resolveDataDir } from './paths.js';
