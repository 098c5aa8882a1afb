/**
 * Enforcement: the Docker authorization plugin that rejects containers from images the trust
 * policy rejects, and the pre-flight check of compose projects.
 */
export * from './types.js';
export * from './authz/index.js';
export * from './compose/index.js';
export { checkComposeProject, renderCheckTable, type CheckDependencies, type ComposeCheckResult, type ServiceCheck } from './check.js';
export { engineResolver, resolvedFromInspect } from './resolve.js';
export { firstResolver, judgementOf, registryResolver, trustImageJudge, type TrustJudgeOptions } from './judge.js';
export { trustSourceJudge, type SourceJudgeOptions } from './source.js';
