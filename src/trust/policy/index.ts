/**
 * The trust policy: trusted bases, blocked images, audited sources and the enforcement mode,
 * read from YAML and edited in place without losing the user's comments.
 */
export { loadPolicy, parsePolicy, readPolicyText, formatPath, PolicyError, MAX_POLICY_BYTES, POLICY_FILE_NAME, type LoadedPolicy, type PolicyIssue } from './load.js';
export { addTrustedBase, removeTrustedBase, type AddBaseResult } from './edit.js';
export { compilePolicy, type CompiledPolicy } from './match.js';
export {
  compileImagePattern,
  compileRepositoryPattern,
  identityOf,
  imagePatternMatches,
  normaliseRepository,
  type ImageIdentity,
  type ImagePattern,
  type RepositoryPattern,
} from './pattern.js';
export { policySchema, trustedBaseSchema, blockedImageSchema, type Policy, type TrustedBase, type BlockedImage } from './schema.js';
