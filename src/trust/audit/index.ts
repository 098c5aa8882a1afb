/**
 * Audits of a build source: the files an approval pins, with content hashes, and the
 * differences between an approved pin and the current state.
 */
export { DEFAULT_MAX_FILES, digestOf, pinBuildContext, type ContextPin, type PinContextOptions, type PinnedFile } from './context.js';
export { CONTEXT_LINES, diffApprovals, MAX_LCS_CELLS, unifiedDiff, type ApprovalDiff } from './diff.js';
export { compileGoMatch, isIgnored, parseDockerignore, type IgnoreRule } from './patterns.js';
