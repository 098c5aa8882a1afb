/**
 * Trust: Dockerfile audits, the trust policy, FROM chains of images and verdicts.
 * Higher modules (enforcement, the server, the CLI) import from here only.
 */
export * from './dockerfile/index.js';
export * from './audit/index.js';
export * from './policy/index.js';
export * from './chain/index.js';
export * from './verdict/index.js';
export {
  approvalsOf,
  findBuild,
  knownImageByConfig,
  latestApproval,
  listKnownImages,
  recordApproval,
  recordBuild,
  rememberKnownImage,
  type Approval,
  type BuildRecord,
  type KnownImage,
  type KnownOrigin,
  type NewBuildRecord,
  type PinnedImage,
} from './store.js';
